import * as Plot from "@observablehq/plot";
import { JSDOM } from "jsdom";
import { SafeHtml } from "./html.ts";

/** Options for `Plot.plot`, without the document, which the notebook supplies. */
export type PlotOptions = Omit<Plot.PlotOptions, "document">;

/** A chart as markup, with the stylesheets Plot wrote into it taken out to be shared. */
export interface RenderedChart {
  html: SafeHtml;
  /** Plot's own CSS (fixed text, the same for every chart of a kind); the page includes each once. */
  styles: string[];
}

let shared: JSDOM | undefined;

/** One jsdom window for every chart of the process: creating it costs far more than a chart. */
export function chartDocument(): Document {
  shared ??= new JSDOM("<!doctype html><html><body></body></html>");
  return shared.window.document;
}

/**
 * Renders a chart to inline SVG. Plot options are plotted server-side into the shared jsdom
 * document; an element made elsewhere is serialized as it is. Text set through the DOM is escaped
 * by the serializer, so data values (file names, vertex names) cannot become markup.
 */
export function renderChart(input: Element | PlotOptions): RenderedChart {
  const element = isElement(input)
    ? input
    : Plot.plot({
        // A fixed class keeps the output stable from run to run, and Plot's CSS the same.
        className: "plot",
        ...input,
        document: chartDocument(),
      });
  return compact(element);
}

/**
 * Makes a chart smaller without changing how it looks: Plot's `<style>` elements, repeated in
 * every chart, are lifted out, and coordinates are cut to one decimal (a tenth of a pixel).
 */
function compact(element: Element): RenderedChart {
  const styles: string[] = [];
  for (const style of element.querySelectorAll("style")) {
    styles.push(style.textContent ?? "");
    style.remove();
  }
  for (const node of [element, ...element.querySelectorAll("*")]) {
    for (const name of ["transform", "d", "x", "y", "x1", "x2", "y1", "y2", "width", "height"]) {
      const value = node.getAttribute(name);
      if (value?.includes(".")) node.setAttribute(name, value.replace(/(\.\d)\d+/g, "$1"));
    }
  }
  return { html: new SafeHtml(element.outerHTML), styles };
}

function isElement(input: Element | PlotOptions): input is Element {
  return typeof (input as Element).outerHTML === "string" && "tagName" in input;
}
