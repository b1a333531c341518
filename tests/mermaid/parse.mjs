// Parses Mermaid diagrams with Mermaid's own parser (mermaid.parse), as GitHub's renderer would read them.
// Input on stdin: a JSON list of diagram texts. Output on stdout: a JSON list of {ok, type, error}.
// Mermaid's sanitiser needs a DOM: jsdom provides one.
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });

let input = "";
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const text of JSON.parse(input)) {
  try {
    const parsed = await mermaid.parse(text);
    results.push({ ok: true, type: parsed.diagramType, error: null });
  } catch (error) {
    results.push({ ok: false, type: null, error: String(error && error.message ? error.message : error) });
  }
}
process.stdout.write(JSON.stringify(results));
