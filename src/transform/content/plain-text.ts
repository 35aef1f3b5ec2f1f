import { escapeHtml } from './html-escape.js'

/**
 * A `plain_text` body → HTML the way Drupal's plain-text format shows it: every character escaped,
 * blank lines separate paragraphs, single line breaks become `<br>`.
 *
 * @example plainTextToHtml('a < b\nc\n\nd') // '<p>a &lt; b<br>\nc</p>\n<p>d</p>'
 */
export function plainTextToHtml(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => `<p>${p.split('\n').map(escapeHtml).join('<br>\n')}</p>`)
    .join('\n')
}
