import { convertAdfToText } from '../../src/forge/convert-adf-to-text';
import { parseCriteria } from '../../src/core/parse-criteria';

const text = (value: string, marks?: object[]) => ({ type: 'text', text: value, ...(marks ? { marks } : {}) });
const paragraph = (...content: object[]) => ({ type: 'paragraph', content });
const item = (...content: object[]) => ({ type: 'listItem', content });
const doc = (...content: object[]) => ({ type: 'doc', version: 1, content });

describe('ADF description to criteria text', () => {
  it('keeps nested list items under their criterion, as parseCriteria expects them', () => {
    const description = doc(
      { type: 'heading', attrs: { level: 3 }, content: [text('Acceptance criteria')] },
      {
        type: 'orderedList',
        attrs: { order: 1 },
        content: [
          item(paragraph(text('Given an invoice, when I export it')), { type: 'bulletList', content: [item(paragraph(text('then a PDF downloads')))] }),
          item(paragraph(text('The PDF names the invoice number'))),
        ],
      },
    );
    expect(convertAdfToText(description)).toBe(
      ['### Acceptance criteria', '', '1. Given an invoice, when I export it', '  - then a PDF downloads', '2. The PDF names the invoice number'].join('\n'),
    );
    expect(parseCriteria(convertAdfToText(description)).criteria.map((c) => c.text)).toEqual([
      'Given an invoice, when I export it\n  - then a PDF downloads',
      'The PDF names the invoice number',
    ]);
  });

  it('keeps code and link addresses, drops emphasis, and breaks lines at hard breaks', () => {
    const description = doc(
      paragraph(
        text('Run '),
        text('export --pdf', [{ type: 'code' }]),
        text(' as in '),
        text('the guide', [{ type: 'link', attrs: { href: 'https://example.com/guide' } }]),
        { type: 'hardBreak' },
        text('quickly', [{ type: 'em' }]),
      ),
    );
    expect(convertAdfToText(description)).toBe('Run `export --pdf` as in the guide (https://example.com/guide)\nquickly');
  });

  it('turns mentions, status lozenges and a bold-only paragraph into readable text', () => {
    const description = doc(
      paragraph(text('Acceptance criteria', [{ type: 'strong' }])),
      { type: 'bulletList', content: [item(paragraph(text('Approved by '), { type: 'mention', attrs: { id: 'x', text: '@Anna' } }, text(' '), { type: 'status', attrs: { text: 'READY' } }))] },
    );
    expect(convertAdfToText(description)).toBe('**Acceptance criteria**\n\n- Approved by @Anna [READY]');
  });

  it('reads nothing from a missing description', () => {
    expect(convertAdfToText(null)).toBe('');
  });
});
