// Types of scripts/build.js (plain JavaScript so that bin/dhm.js can import it without tsx).
export declare const DIST: string
export declare const OUT: string
export declare const ENTRY: string
/** Whether root/dist/ holds a finished build newer than everything it is built from (root: the checkout). */
export declare function isFresh(root?: string): boolean
export declare function build(): Promise<number>
