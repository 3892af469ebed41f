import assert from "node:assert/strict";
import { test } from "node:test";
import { JSDOM } from "jsdom";
import type { Verdict } from "../../lib/experiment/types.ts";
import { findingsLimit, renderFindings } from "../../lib/report/findings.ts";
import {
  prunePairs,
  refusalMessage,
  refusalSentence,
  tallyClaims,
} from "../../lib/report/headlines.ts";
import { loadRun, type RunData } from "../../lib/report/load.ts";
import { buildReport } from "../../lib/report/report.ts";
import { SCENARIOS } from "../../lib/scenarios/scenarios.ts";
import {
  fixtureRunDir,
  fullBackends,
  fullBuilders,
  fullScenarios,
  fullVariants,
  largeRun,
} from "./helpers.ts";

/** GitHub's limit on a comment body. */
const githubLimit = 65_536;

/** The rank of a cell in reading order, from the lists the synthetic run was made from. */
function rank(v: Verdict): number[] {
  return [
    fullScenarios.indexOf(v.cell.scenario),
    fullBuilders.findIndex((b) => b.name === v.cell.builder),
    fullBackends.indexOf(v.cell.backend),
    fullVariants.indexOf(v.cell.variant),
  ];
}

function compareRanks(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** The body rows of the Markdown table under a heading that starts with `prefix`. */
function tableUnder(markdown: string, prefix: string): string[][] {
  const start = markdown.indexOf(`\n${prefix}`);
  assert.ok(start >= 0, `a heading ${prefix}`);
  const lines = markdown
    .slice(start + 1)
    .split("\n")
    .slice(4);
  const rows: string[][] = [];
  for (const line of lines) {
    if (!line.startsWith("|")) break;
    rows.push(
      line
        .slice(2, -2)
        .split(" | ")
        .map((c) => c.trim()),
    );
  }
  return rows;
}

test("a run shaped like a full one gets findings that fit one GitHub comment, in reading order", async () => {
  const { runDir, cleanup } = await largeRun();
  try {
    const data = await loadRun(runDir);
    assert.equal(data.verdicts.length, 5 * 4 * 4 * 2 * 4);
    const findings = renderFindings(data, new Map());
    assert.ok(findings.length < githubLimit, `${findings.length} characters`);
    assert.ok(findings.length < findingsLimit);
    assert.doesNotMatch(findings, /Cut to fit one GitHub comment/);

    // Loading puts builds and verdicts in reading order, whatever order the files hold.
    const ranks = data.verdicts.map(rank);
    for (let i = 1; i < ranks.length; i++) {
      assert.ok(compareRanks(ranks[i - 1], ranks[i]) <= 0, `verdict ${i} is in order`);
    }
    for (const [i, b] of data.results.builds.entries()) {
      const next = data.results.builds[i + 1];
      if (!next || JSON.stringify(next.cell) !== JSON.stringify(b.cell)) continue;
      const order = data.run.scenarios.find((s) => s.id === b.cell.scenario)!.builds;
      assert.ok(
        order.findIndex((s) => s.id === b.build) < order.findIndex((s) => s.id === next.build),
      );
    }

    // The claim table rows go scenario by scenario, builder by builder.
    const rows = tableUnder(findings, "#### a. ");
    const keys = rows.map(([scenario, builder]) => [
      fullScenarios.indexOf(scenario.replaceAll("`", "")),
      fullBuilders.findIndex((b) => builder.startsWith(b.name)),
    ]);
    assert.ok(
      keys.every(([s, b]) => s >= 0 && b >= 0),
      JSON.stringify(rows),
    );
    for (let i = 1; i < keys.length; i++) assert.ok(compareRanks(keys[i - 1], keys[i]) < 0);

    // The columns go backend by backend, `--link` before plain, and only where a cell answered.
    const header = findings.slice(findings.indexOf("\n#### a. ") + 1).split("\n")[2];
    const columns = header.slice(2, -2).split(" | ").slice(2);
    const expected = fullBackends.flatMap((backend) =>
      fullVariants
        .filter((variant) =>
          data.verdicts.some(
            (v) =>
              v.claim === "a" &&
              v.result !== "not-applicable" &&
              v.cell.backend === backend &&
              v.cell.variant === variant,
          ),
        )
        .map((variant) => `${backend} ${variant === "link" ? "`--link`" : variant}`),
    );
    assert.deepEqual(columns, expected);

    // The pruning pair is found from the build specs, and compared with counted numbers.
    assert.deepEqual(
      prunePairs(data.run.scenarios).map((p) => [p.fresh.id, p.kept.id]),
      [["controlled", "controlled-blobs-kept"]],
    );
    const count = (scenario: string) => {
      const mine = data.verdicts.filter(
        (v) => v.claim === "a" && v.cell.scenario === scenario && v.result !== "not-applicable",
      );
      return [mine.filter((v) => v.result === "holds").length, mine.length];
    };
    const [h1, n1] = count("controlled");
    const [h2, n2] = count("controlled-blobs-kept");
    assert.ok(
      findings.includes(
        `claim a holds in ${h1} of ${n1} cells of \`controlled\` and in ${h2} of ${n2} cells of ` +
          "`controlled-blobs-kept`",
      ),
    );
  } finally {
    await cleanup();
  }
});

test("the report of a large run lists scenarios, not cells, in its contents", async () => {
  const { runDir, cleanup } = await largeRun();
  try {
    const data = await loadRun(runDir);
    const doc = new JSDOM(buildReport(data, new Map()).render()).window.document;
    const builds = [...doc.querySelectorAll("nav.toc > ol > li")].find(
      (li) => li.querySelector("a")?.textContent === "Builds",
    )!;
    const parts = [...builds.querySelectorAll(":scope ol a")].map((a) => a.textContent);
    assert.deepEqual(
      parts,
      fullScenarios.map((id) => `Scenario ${id} (${id})`),
    );

    // Every cell has its part, linked from its scenario's list, in reading order.
    const links = [...doc.querySelectorAll("ol.cells a")];
    assert.equal(links.length, new Set(data.verdicts.map((v) => JSON.stringify(v.cell))).size);
    for (const a of links) {
      assert.ok(doc.getElementById(a.getAttribute("href")!.slice(1)), a.textContent!);
    }
    const first = links.slice(0, 8).map((a) => a.textContent);
    assert.deepEqual(
      first,
      fullBackends.flatMap((backend) =>
        fullVariants.map(
          (variant) =>
            `${fullBuilders[0].name} · ${backend} · ${variant === "link" ? "COPY --link" : "COPY"}`,
        ),
      ),
    );
  } finally {
    await cleanup();
  }
});

/** The fixture with every answered verdict's result flipped. */
function flipped(data: RunData): RunData {
  const flip = (v: Verdict): Verdict =>
    v.result === "not-applicable"
      ? v
      : { ...v, result: v.result === "holds" ? "does-not-hold" : "holds" };
  return { ...data, verdicts: data.verdicts.map(flip) };
}

test("the headlines are counted from the verdicts, so flipping the verdicts flips them", async () => {
  const data = await loadRun(await fixtureRunDir());
  const before = tallyClaims(data);
  const after = tallyClaims(flipped(data));
  for (const [i, t] of before.entries()) {
    assert.equal(after[i].holds, t.answered.length - t.holds);
  }

  const text = renderFindings(data, new Map());
  const flippedText = renderFindings(flipped(data), new Map());
  const a = before.find((t) => t.claim === "a")!;
  assert.match(text, new RegExp(`Holds in ${a.holds} of ${a.answered.length} cells`));
  assert.match(
    flippedText,
    new RegExp(`Holds in ${a.answered.length - a.holds} of ${a.answered.length} cells`),
  );
});

test("the refusal of a cache backend is one sentence that quotes the message once", async () => {
  const data = await loadRun(await fixtureRunDir());
  const refused = data.results.builds.filter((b) => b.outcome === "unsupported");
  assert.ok(refused.length > 0, "the fixture has a refused cell");
  const sentence = refusalSentence(data)!;
  const message = refusalMessage(refused[0].errorText);
  assert.doesNotMatch(message, /^ERROR|failed to build/);
  assert.equal(sentence.split(message).length, 2, sentence);
  const findings = renderFindings(data, new Map());
  assert.equal(findings.split(message).length, 2, "quoted once in the findings");
  assert.match(findings, /\| refused \|/);
});

test("refusalMessage keeps the reason and drops buildx's prefixes", () => {
  assert.equal(
    refusalMessage("ERROR: failed to build: Cache export is not supported.\nLearn more at x"),
    "Cache export is not supported.",
  );
  assert.equal(refusalMessage(undefined), "no message");
});

test("the experiment's own scenarios hold exactly one pruning pair", () => {
  assert.deepEqual(
    prunePairs(SCENARIOS).map((p) => [p.fresh.id, p.kept.id]),
    [["controlled", "controlled-blobs-kept"]],
  );
});
