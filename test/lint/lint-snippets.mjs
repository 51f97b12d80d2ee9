// Lints snippets with the project's real ESLint config in a plain Node process:
// ESLint loads its flat config through dynamic import, which Jest's module VM refuses.
import { ESLint } from 'eslint';

const input = JSON.parse(await new Promise((resolve) => {
  let text = '';
  process.stdin.on('data', (chunk) => (text += chunk));
  process.stdin.on('end', () => resolve(text));
}));
const eslint = new ESLint({ cwd: process.cwd() });
const snippets = [];
for (const { source, filePath } of input.snippets) {
  const [result] = await eslint.lintText(source, { filePath });
  snippets.push(result.messages.map((m) => ({ ruleId: m.ruleId, message: m.message })));
}
const files = input.files ? await eslint.lintFiles(input.files) : [];
process.stdout.write(JSON.stringify({
  snippets,
  files: files.map((r) => ({ filePath: r.filePath, messages: r.messages.map((m) => ({ ruleId: m.ruleId, message: m.message })) })),
}));
