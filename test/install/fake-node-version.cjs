// Preloaded with --require to make this process report an older Node.js than it is, so a test can
// see what `npm start` tells someone on that version without installing it.
Object.defineProperty(process, 'version', { value: process.env.FAKE_NODE_VERSION });
