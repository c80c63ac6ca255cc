/**
 * The comparison chart of the report: one horizontal bar per Wasm ÷ container ratio, drawn from 1 (the same) to
 * the ratio on a log scale, so "half" and "twice" are equally long. The spec is Vega-Lite; Vega renders it to SVG
 * in Node without a browser or canvas (`View.toSVG()` with `renderer: "none"`; platform-contracts REPORT-2).
 */
import type { ChartRow } from "./report";

const WIDTH = 520;
const ROW_HEIGHT = 22;
const COLOURS = { Wasm: "#2e7d32", container: "#c62828", neither: "#757575" } as const;

/** The Vega-Lite spec of the chart for `rows` (a message instead of bars when there is nothing to compare). */
export function comparisonChartSpec(rows: ChartRow[]): Record<string, unknown> {
    const title = { text: "Wasm ÷ container", subtitle: "1 = the same; log scale; colour: which side the figure favours", anchor: "start" };
    if (rows.length === 0) {
        return {
            $schema: "https://vega.github.io/schema/vega-lite/v6.json",
            title,
            width: WIDTH,
            height: 40,
            data: { values: [{ text: "No ratio to chart: the container baseline is off, or no figure was measured on both sides." }] },
            mark: { type: "text", align: "left", x: 0, y: 20, fontSize: 12 },
            encoding: { text: { field: "text", type: "nominal" } },
        };
    }
    // Room for the value labels on both sides of the bars.
    const lo = Math.min(1, ...rows.map((r) => r.ratio)) / 2;
    const hi = Math.max(1, ...rows.map((r) => r.ratio)) * 2;
    const values = rows.map((r) => ({ ...r, text: `${formatRatio(r.ratio)}×` }));
    const x = { field: "ratio", type: "quantitative", title: "Wasm ÷ container", scale: { type: "log", domain: [lo, hi] } };
    const y = { field: "label", type: "nominal", title: null, sort: null, axis: { labelLimit: 1000 } };
    const valueLabel = (side: "left" | "right") => ({
        transform: [{ filter: side === "right" ? "datum.ratio >= 1" : "datum.ratio < 1" }],
        mark: { type: "text", align: side === "right" ? "left" : "right", dx: side === "right" ? 4 : -4, fontSize: 11 },
        encoding: { x, y, text: { field: "text", type: "nominal" } },
    });
    return {
        $schema: "https://vega.github.io/schema/vega-lite/v6.json",
        title,
        width: WIDTH,
        height: { step: ROW_HEIGHT },
        data: { values },
        layer: [
            {
                mark: { type: "bar", height: ROW_HEIGHT - 8 },
                encoding: {
                    x,
                    x2: { datum: 1 },
                    y,
                    color: {
                        field: "favours",
                        type: "nominal",
                        title: "favours",
                        scale: { domain: Object.keys(COLOURS), range: Object.values(COLOURS) },
                    },
                    tooltip: [{ field: "label", title: "figure" }, { field: "ratio", title: "Wasm ÷ container" }],
                },
            },
            valueLabel("right"),
            valueLabel("left"),
            { data: { values: [{ one: 1 }] }, mark: { type: "rule", color: "#212121" }, encoding: { x: { field: "one", type: "quantitative" } } },
        ],
        config: { font: "sans-serif", view: { stroke: null } },
    };
}

/** Renders the chart to a standalone SVG document. */
export async function renderComparisonSvg(rows: ChartRow[]): Promise<string> {
    // vega and vega-lite are ES modules only; a dynamic import loads them from this CommonJS project.
    const [vega, vegaLite] = await Promise.all([import("vega"), import("vega-lite")]);
    const { spec } = vegaLite.compile(comparisonChartSpec(rows) as unknown as Parameters<typeof vegaLite.compile>[0]);
    // renderer "none": no canvas and no DOM; toSVG() builds the SVG from the scenegraph (REPORT-2).
    const view = new vega.View(vega.parse(spec), { renderer: "none" });
    try {
        return await view.toSVG();
    } finally {
        view.finalize();
    }
}

function formatRatio(r: number): string {
    return r.toLocaleString("en-US", { maximumFractionDigits: 3 });
}
