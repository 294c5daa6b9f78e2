import { runMain } from './run-main.ts';

// `npm start` and `tsx packages/server/src/main.ts`: one server process.
await runMain(process.argv.slice(2), process.env);
