'use strict';
// Preloaded by `npm start` (node --require), before tsx and the service's modules, which take
// seconds to load on a busy machine: a SIGTERM or SIGINT meanwhile ends the process with 0 at
// once, since nothing is open yet (without it the signal killed the process: exit 143, as if it
// had crashed). The service takes the signals over (releaseEarlySignals) before it opens anything.
const exitCleanly = () => process.exit(0);
process.once('SIGTERM', exitCleanly);
process.once('SIGINT', exitCleanly);
process[Symbol.for('scopekeeper.exitOnEarlySignal')] = exitCleanly;
