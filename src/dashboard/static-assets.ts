// The dashboard's only stylesheet and its only script (a small ES module), served from memory: no bundle, no
// framework, nothing fetched from elsewhere (the Content-Security-Policy allows only 'self').

const STYLESHEET = `
:root { color-scheme: light; font-family: system-ui, sans-serif; color: #1a1a1a; background: #ffffff; }
body { margin: 0; line-height: 1.45; }
header { display: flex; gap: 1.5rem; align-items: center; flex-wrap: wrap; padding: .75rem 1.25rem;
  background: #13294b; color: #ffffff; }
header a { color: #ffffff; }
header nav { display: flex; gap: 1rem; }
header a[aria-current="page"] { font-weight: 700; text-decoration-thickness: 3px; }
.who { margin-left: auto; display: flex; gap: .75rem; align-items: center; }
main { padding: 1rem 1.25rem; max-width: 80rem; }
a { color: #0b4f9c; }
:focus-visible { outline: 3px solid #c75300; outline-offset: 2px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: 1rem; background: #fff; color: #000; padding: .5rem; }
button { font: inherit; padding: .35rem .8rem; border: 2px solid #13294b; background: #ffffff; color: #13294b;
  border-radius: 4px; cursor: pointer; }
input { font: inherit; padding: .3rem .5rem; border: 1px solid #555; border-radius: 4px; }
label { font-weight: 600; }
.filter, .decide { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; margin: .5rem 0 1rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .5rem; border-bottom: 1px solid #c8c8c8; }
caption { text-align: left; color: #444; padding-bottom: .4rem; }
.meta { color: #4a4a4a; font-size: .9rem; }
.cells { list-style: none; display: flex; gap: .5rem; flex-wrap: wrap; padding: 0; margin: 0; }
.cell { border: 2px solid #767676; border-radius: 6px; padding: .35rem .6rem; min-width: 9rem; }
.cell .env { display: block; font-weight: 700; }
.cell .reasons { margin: .25rem 0 0; padding-left: 1rem; font-size: .85rem; }
.tone-good { border-color: #1d6b2f; background: #eaf5ec; }
.tone-bad { border-color: #a4161a; background: #fbeaea; }
.tone-wait { border-color: #8a5a00; background: #fff6e0; }
.tone-busy { border-color: #0b4f9c; background: #e8f0fb; }
.notice { border-left: 4px solid #8a5a00; background: #fff6e0; padding: .5rem .75rem; }
.error { border-left: 4px solid #a4161a; background: #fbeaea; padding: .5rem .75rem; }
.ok { border-left: 4px solid #1d6b2f; background: #eaf5ec; padding: .5rem .75rem; }
.chart { margin: .5rem 0 1.25rem; } .chart h3 { margin: 0 0 .2rem; } .chart svg { max-width: 60rem; width: 100%; height: auto; }
.chart .bar:focus { outline: 3px solid #c75300; } .chart text { fill: #1a1a1a; }
.retro table { margin-bottom: 1rem; } .retro .bad { color: #a4161a; font-weight: 700; }
.retro .broken { border-left: 4px solid #a4161a; background: #fbeaea; padding: .5rem .75rem; font-weight: 700; }
.retro .intact { border-left: 4px solid #1d6b2f; background: #eaf5ec; padding: .5rem .75rem; }
.items { list-style: none; padding: 0; } .items > li { border-bottom: 1px solid #c8c8c8; padding: .5rem 0; }
`;

const LIVE_SCRIPT = `// Live updates of the board: rows pushed by the server over Server-Sent Events, rendered there. One stream per
// cluster, each with its own status line: one cluster's stream failing leaves the others' rows and streams alone.
for (const status of document.querySelectorAll("p[data-live]")) {
  const name = status.dataset.cluster === undefined ? "" : "Cluster " + status.dataset.cluster;
  const say = (text) => { status.textContent = name === "" || text.startsWith(name) ? text : name + ": " + text; };
  let notice = "";
  const source = new EventSource(status.dataset.live);
  source.addEventListener("open", () => { notice = ""; say("Live: rows update as releases change."); });
  source.addEventListener("error", () =>
    say(source.readyState === EventSource.CLOSED
      ? "Live updates stopped (your session may have ended); reload the page."
      : notice === "" ? "Live updates interrupted; reconnecting…" : notice + " Reconnecting…"));
  source.addEventListener("ended", (event) => {
    source.close();
    say(JSON.parse(event.data).message);
    status.classList.add("error");
    status.setAttribute("role", "alert");
    if (status.dataset.cluster === undefined) status.setAttribute("id", "session-ended");
  });
  source.addEventListener("notice", (event) => { notice = JSON.parse(event.data).message; say(notice); });
  source.addEventListener("row", (event) => {
    const { id, html } = JSON.parse(event.data);
    const old = document.getElementById(id);
    if (old !== null) old.outerHTML = html;
    else document.getElementById("board-rows")?.insertAdjacentHTML("beforeend", html);
    document.getElementById("board-empty")?.remove();
  });
  source.addEventListener("gone", (event) => {
    document.getElementById(JSON.parse(event.data).id)?.remove();
  });
}
`;

/** The static files, by path: their content type and body. */
export const STATIC_ASSETS: ReadonlyMap<string, { contentType: string; body: string }> = new Map([
  ["/static/dashboard.css", { contentType: "text/css; charset=utf-8", body: STYLESHEET }],
  ["/static/live.js", { contentType: "text/javascript; charset=utf-8", body: LIVE_SCRIPT }],
]);
