// json-hook.mjs - esptool-js imports its stub JSON files the way bundlers
// allow (no import attribute, fields read as named exports). Node refuses
// that, so this loader hook turns each .json file into an ES module with
// one named export per top-level key. Test harness only.
import { readFile } from "node:fs/promises";

export async function load(url, context, next) {
  if (!url.endsWith(".json")) return next(url, context);
  const obj = JSON.parse(await readFile(new URL(url), "utf8"));
  const names = Object.keys(obj).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k));
  const source = `const o = ${JSON.stringify(obj)};\nexport default o;\n` +
    names.map((k) => `export const ${k} = o[${JSON.stringify(k)}];`).join("\n");
  return { format: "module", source, shortCircuit: true };
}
