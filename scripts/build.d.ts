// Types of scripts/build.js (plain JavaScript so that bin/dhm.js can import it without tsx).
export declare const DIST: string
export declare const OUT: string
export declare const ENTRY: string
export declare function isFresh(): boolean
export declare function build(): Promise<number>
