import baseConfig from '../../eslint.config.mjs';

// The workspace's rules name `*.ts` files; the console's components are `.tsx`, held to the same rules
// (module boundaries, promise handling, kebab-case names).
const withTsx = (files) => files?.flatMap((pattern) => (pattern.endsWith('*.ts') ? [pattern, `${pattern}x`] : [pattern]));

export default baseConfig.map((entry) => (entry.files ? { ...entry, files: withTsx(entry.files) } : entry));
