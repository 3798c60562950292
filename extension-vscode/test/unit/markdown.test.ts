import assert from "node:assert/strict";
import { test } from "node:test";
import { citationLink, renderAnswer, renderUsage } from "../../src/markdown";

test("an answer lists its citations as links to the first cited line", () => {
  const md = renderAnswer("Where is parsing?", {
    markdown: "Parsing happens in `Parser.Parse` [1].",
    citations: [
      { uri: "file:///ws/src/Parser.cs", path: "src/Parser.cs", startLine: 12, endLine: 40 },
      { uri: "file:///ws/My%20Docs/a.md", path: "My Docs/a.md", startLine: 3, endLine: 3 },
    ],
    extractive: false,
  });
  assert.equal(md, [
    "# Where is parsing?",
    "",
    "Parsing happens in `Parser.Parse` [1].",
    "",
    "## Sources",
    "",
    "1. [src/Parser.cs:12-40](file:///ws/src/Parser.cs#L12)",
    "2. [My Docs/a.md:3](file:///ws/My%20Docs/a.md#L3)",
    "",
  ].join("\n"));
});

test("an extractive answer says so", () => {
  const md = renderAnswer("q", { markdown: "passage", citations: [], extractive: true });
  assert.match(md, /Extractive answer/);
  assert.doesNotMatch(md, /Sources/);
});

test("citation links escape characters that would end a Markdown link", () => {
  assert.equal(citationLink({ uri: "file:///ws/a (1).cs", path: "a (1).cs", startLine: 0, endLine: 0 }), "file:///ws/a%20%281%29.cs#L1");
});

test("usage renders a table", () => {
  const md = renderUsage({ todayCost: 0.5, todayCalls: 3, models: [{ model: "a|b", calls: 3, cost: 0.5 }] });
  assert.match(md, /3 model calls, \$0\.5000\./);
  assert.match(md, /\| a\\\|b \| 3 \| \$0\.5000 \|/);
});
