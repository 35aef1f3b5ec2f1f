/**
 * Escaping for every value from the data that a report shows: titles, field values and rejection
 * reasons come from a legacy CMS and may hold anything (`<script>`, pipes, backticks, newlines).
 */
import { escapeHtml as escapeText } from '../transform/content/html-escape.js'

/** Text or attribute value for HTML: `<script>` shows as text, quotes cannot end an attribute. */
export function escapeHtml(value: unknown): string {
  return escapeText(String(value ?? ''))
}

/**
 * Text for one Markdown table cell or list item: table pipes, link brackets, HTML tags and code
 * spans are escaped, and line breaks become spaces so a cell stays on its row.
 */
export function escapeMarkdown(value: unknown): string {
  return String(value ?? '')
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(/([\\`|[\]*])/g, '\\$1')
    .replace(/</g, '&lt;')
}
