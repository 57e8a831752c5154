import suite from "./redis.js";
const quick = process.argv.includes("--quick");
const t = Date.now();
const rows = await suite.run({ quick });
for (const r of rows) console.log(JSON.stringify(r));
console.log("seconds", (Date.now() - t) / 1000);
