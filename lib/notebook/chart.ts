import * as Plot from "@observablehq/plot";
import { JSDOM } from "jsdom";
import { SafeHtml } from "./html.ts";

/** Options for `Plot.plot`, without the document, which the notebook supplies. */
export type PlotOptions = Omit<Plot.PlotOptions, "document">;

let shared: JSDOM | undefined;

/** One jsdom window for every chart of the process: creating it costs far more than a chart. */
export function chartDocument(): Document {
  shared ??= new JSDOM("<!doctype html><html><body></body></html>");
  return shared.window.document;
}

/**
 * Renders a chart to an inline SVG string. Plot options are plotted server-side into the shared
 * jsdom document; an element made elsewhere is serialized as it is. Text set through the DOM is
 * escaped by the serializer, so data values (file names, vertex names) cannot become markup.
 */
export function renderChart(input: Element | PlotOptions): SafeHtml {
  if (isElement(input)) return new SafeHtml(input.outerHTML);
  const element = Plot.plot({
    // A fixed class keeps the output stable from run to run; the page's CSS styles it.
    className: "plot",
    ...input,
    document: chartDocument(),
  });
  return new SafeHtml(element.outerHTML);
}

function isElement(input: Element | PlotOptions): input is Element {
  return typeof (input as Element).outerHTML === "string" && "tagName" in input;
}
