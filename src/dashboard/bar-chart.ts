import Handlebars from "handlebars";

// Server-rendered SVG bar charts: no chart library, no script. Every bar carries its label and its value as text,
// and a pattern (not only a colour) tells series apart; each bar is focusable and named for screen readers, and the
// page puts the same numbers in a table next to the chart.

/** One bar: what it measures, its value (for the length) and the value as people read it. */
export interface Bar {
  label: string;
  value: number;
  display: string;
  /** The series the bar belongs to (a phase, a measure); its pattern and its word in the legend. */
  series?: string;
}

/** A chart: its title and a one-sentence description (both read out), and its bars in order. */
export interface BarChart {
  id: string;
  title: string;
  description: string;
  bars: readonly Bar[];
}

/** The patterns series are drawn with, in order: each is told apart by its shape, not its colour. */
const PATTERNS = ["solid", "hatch", "dots", "cross", "vertical"] as const;

const ROW = 28;
const LABEL_WIDTH = 220;
const BAR_WIDTH = 380;
const WIDTH = LABEL_WIDTH + BAR_WIDTH + 340;

const SVG = `<figure class="chart">
<h3 aria-hidden="true">{{title}}</h3>
<p class="meta" aria-hidden="true">{{description}}</p>
<svg id="{{id}}" role="group" aria-labelledby="{{id}}-title {{id}}-desc" viewBox="0 0 ${WIDTH} {{height}}" xmlns="http://www.w3.org/2000/svg">
<title id="{{id}}-title">{{title}}</title>
<desc id="{{id}}-desc">{{description}}</desc>
<defs>
  <pattern id="{{id}}-solid" width="8" height="8" patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="#13294b"/></pattern>
  <pattern id="{{id}}-hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="#ffffff"/><rect width="3" height="8" fill="#13294b"/></pattern>
  <pattern id="{{id}}-dots" width="8" height="8" patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="#ffffff"/><circle cx="4" cy="4" r="2.2" fill="#13294b"/></pattern>
  <pattern id="{{id}}-cross" width="8" height="8" patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="#ffffff"/><path d="M0 4H8M4 0V8" stroke="#13294b" stroke-width="1.6"/></pattern>
  <pattern id="{{id}}-vertical" width="6" height="8" patternUnits="userSpaceOnUse"><rect width="6" height="8" fill="#ffffff"/><rect width="2" height="8" fill="#13294b"/></pattern>
</defs>
{{#each bars}}<g class="bar" tabindex="0" role="img" aria-label="{{label}}: {{display}}{{#if series}} ({{series}}){{/if}}" transform="translate(0 {{y}})">
  <text x="${LABEL_WIDTH - 8}" y="18" text-anchor="end" font-size="13">{{label}}</text>
  <rect x="${LABEL_WIDTH}" y="4" width="{{width}}" height="18" fill="url(#{{../id}}-{{pattern}})" stroke="#13294b" stroke-width="1"/>
  <text x="{{valueX}}" y="18" font-size="13">{{display}}{{#if series}} · {{series}}{{/if}}</text>
</g>
{{/each}}
</svg>
{{#if legend.length}}<figcaption class="meta">Patterns: {{#each legend}}{{series}} = {{pattern}}{{#unless @last}}; {{/unless}}{{/each}}.</figcaption>{{/if}}
</figure>`;

const compiled = Handlebars.create().compile(SVG, { knownHelpersOnly: true });

/**
 * Renders `chart` as an SVG figure: bar lengths in proportion to the largest value (a bar of 0 shows as a hairline
 * so it can still be focused), each labelled with its text; series get patterns in the order they first appear,
 * named in the legend. Text is escaped by Handlebars.
 */
export function renderBarChart(chart: BarChart): string {
  const max = Math.max(0, ...chart.bars.map((b) => b.value));
  const series = [...new Set(chart.bars.flatMap((b) => (b.series === undefined ? [] : [b.series])))];
  const patternOf = (name: string | undefined): string =>
    name === undefined ? "solid" : (PATTERNS[series.indexOf(name) % PATTERNS.length] ?? "solid");
  const bars = chart.bars.map((bar, i) => {
    const width = max === 0 ? 1 : Math.max(1, Math.round((bar.value / max) * BAR_WIDTH));
    return {
      ...bar,
      y: i * ROW + 4,
      width,
      valueX: LABEL_WIDTH + width + 8,
      pattern: patternOf(bar.series),
    };
  });
  return compiled({
    id: chart.id,
    title: chart.title,
    description: chart.description,
    height: Math.max(1, bars.length) * ROW + 8,
    bars,
    legend: series.map((name) => ({ series: name, pattern: patternOf(name) })),
  });
}
