import Handlebars from "handlebars";

// Server-rendered pages: Handlebars escapes every {{value}}; {{{body}}}, {{{retro}}} and the charts only ever hold
// another template's output (the retrospective's is the shipped report template, the charts' the SVG template in
// bar-chart.ts; both escape every value too).
// Every state reads as a word and a symbol (never colour alone); every action is a real link, button or form.

const LAYOUT = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}} · Stagegate</title>
<link rel="stylesheet" href="/static/dashboard.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
  <strong class="brand">Stagegate</strong>
  {{#if user}}
  <nav aria-label="Main">
    <a href="/"{{#if onBoard}} aria-current="page"{{/if}}>Pipeline board</a>
    <a href="/waiting"{{#if onWaiting}} aria-current="page"{{/if}}>Waiting for me</a>
    <a href="/overdue"{{#if onOverdue}} aria-current="page"{{/if}}>Overdue and stalled</a>
    <a href="/deployments"{{#if onDeployments}} aria-current="page"{{/if}}>Deployments</a>
    <a href="/insights"{{#if onInsights}} aria-current="page"{{/if}}>Insights</a>
  </nav>
  <form class="who" method="post" action="/sign-out">
    <span>Signed in as <strong id="signed-in-user">{{user}}</strong></span>
    <input type="hidden" name="csrf" value="{{csrf}}">
    <button type="submit">Sign out</button>
  </form>
  {{/if}}
</header>
<main id="main">
{{#each notSignedIn}}<section class="cluster-sign-in" id="cluster-sign-in-{{cluster}}" data-cluster="{{cluster}}">
<p class="notice" role="status"><span aria-hidden="true">⚠ </span><strong>Cluster {{cluster}}: not signed in.</strong> {{message}}</p>
<form class="filter" method="post" action="/clusters/sign-in">
  <input type="hidden" name="csrf" value="{{@root.csrf}}">
  <input type="hidden" name="cluster" value="{{cluster}}">
  <label for="cluster-token-{{cluster}}">Token for cluster {{cluster}}</label>
  <input id="cluster-token-{{cluster}}" name="token" type="password" autocomplete="off" required>
  <button type="submit">Sign in to {{cluster}}</button>
</form></section>{{/each}}
{{#unless liveInBody}}{{> liveStatus}}{{/unless}}
{{{body}}}
</main>
{{#if live}}<script type="module" src="/static/live.js"></script>{{/if}}
</body>
</html>
`;

// One status line per live stream (per cluster), each carrying its stream's URL for /static/live.js.
const LIVE_STATUS = `{{#each live}}<p id="{{statusId}}" class="meta" role="status" aria-live="polite" data-live="{{url}}"{{#if cluster}} data-cluster="{{cluster}}"{{/if}}>{{#if cluster}}Cluster {{cluster}}: {{/if}}Live updates connecting…</p>{{/each}}`;

const NOTICES = `{{#each notices}}<p class="notice" role="status"><span aria-hidden="true">⚠ </span>{{this}}</p>{{/each}}`;

const SIGN_IN = `<h1>Sign in</h1>
{{#if error}}<p class="error" role="alert" id="sign-in-error"><span aria-hidden="true">✖ </span>{{error}}</p>{{/if}}
<p>Paste a bearer token the Kubernetes API server accepts (for example from <code>kubectl create token NAME</code>).
Everything the dashboard reads or changes is then done with that token, as you.</p>
<form method="post" action="/sign-in">
  <label for="token">Token</label>
  <input id="token" name="token" type="password" autocomplete="off" required>
  <button type="submit">Sign in</button>
</form>`;

const ROW = `<tr id="{{row.rowId}}" data-release="{{row.namespace}}/{{row.name}}"{{#if row.cluster}} data-cluster="{{row.cluster}}"{{/if}}>
  <th scope="row"><a href="{{row.href}}">{{row.name}}</a><br><span class="meta">{{#if row.cluster}}cluster {{row.cluster}} · {{/if}}{{row.namespace}}{{#if row.version}} · {{row.version}}{{/if}}</span>{{#if row.dimensions}}<br><span class="meta">{{row.dimensions}}</span>{{/if}}</th>
  <td><ol class="cells">{{#each row.cells}}<li class="cell tone-{{tone}}" data-environment="{{environment}}" data-state="{{state}}">
    <span class="env">{{environment}}</span>
    <span class="state"><span aria-hidden="true">{{symbol}} </span>{{label}}</span>
    {{#if reasons.length}}<ul class="reasons">{{#each reasons}}<li>{{this}}</li>{{/each}}</ul>{{/if}}
  </li>{{/each}}</ol></td>
</tr>`;

const filterForm = (action: string): string => `<form class="filter" method="get" action="${action}">
  <label for="namespace">Namespaces</label>
  <input id="namespace" name="namespace" value="{{namespace}}" placeholder="all you may list">
  <label for="selector">Labels</label>
  <input id="selector" name="selector" value="{{selector}}" placeholder="stagegate.io/team=payments">
  <button type="submit">Filter</button>
</form>`;

const BOARD = `<h1>Pipeline board</h1>
${filterForm("/")}
${NOTICES}
{{> liveStatus}}
<table class="board">
  <caption>{{rows.length}} release(s), one row each; each environment shows its state and the gate's reasons.</caption>
  <thead><tr><th scope="col">Release</th><th scope="col">Environments in pipeline order</th></tr></thead>
  <tbody id="board-rows">{{#each rows}}{{> row row=this}}{{/each}}</tbody>
</table>
{{#unless rows.length}}<p id="board-empty">No releases to show.</p>{{/unless}}`;

const DECIDE_FORM = `<form class="decide" method="post" action="/decide">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <input type="hidden" name="namespace" value="{{item.namespace}}">
  <input type="hidden" name="change" value="{{item.changeRequest}}">
  {{#if item.act}}<input type="hidden" name="cluster" value="{{item.act}}">{{/if}}
  <label for="comment-{{item.namespace}}-{{item.approval}}">Comment</label>
  <input id="comment-{{item.namespace}}-{{item.approval}}" name="comment" maxlength="4096">
  <label for="revisit-{{item.namespace}}-{{item.approval}}">Revisit in <span class="meta">(Defer only, e.g. 24h)</span></label>
  <input id="revisit-{{item.namespace}}-{{item.approval}}" name="revisitIn" maxlength="32" size="8">
  <button type="submit" name="decision" value="Approve">✔ Approve</button>
  <button type="submit" name="decision" value="Reject">✖ Reject</button>
  <button type="submit" name="decision" value="Defer">‖ Defer</button>
</form>`;

const WAITING = `<h1>Waiting for me</h1>
${NOTICES}
<h2>Approvals</h2>
{{#if approvals.length}}
<ul class="items" id="waiting-approvals">{{#each approvals}}<li data-approval="{{namespace}}/{{approval}}">
  <p><strong>ChangeRequest {{changeRequest}}</strong> <span class="meta">in {{#if cluster}}cluster {{cluster}} · {{/if}}{{namespace}} · {{approvals}} of {{required}} approvals · eligible: {{eligible}}{{#if expiresAt}} · expires {{expiresAt}}{{/if}}</span></p>
  {{> decide item=this csrf=../csrf}}
</li>{{/each}}</ul>
{{else}}<p id="no-approvals">No approval waits for your decision.</p>{{/if}}
<h2>My open tasks</h2>
<p class="meta">Yours by name, and shared with you through a group or a coordination role you hold in the task's Environment.</p>
{{#if tasks.length}}
<table><thead><tr><th scope="col">Task</th><th scope="col">Type</th><th scope="col">Owned</th><th scope="col">Phase</th><th scope="col">Due</th></tr></thead>
<tbody id="waiting-tasks">{{#each tasks}}<tr data-task="{{namespace}}/{{name}}"><th scope="row">{{title}}<br><span class="meta">{{#if cluster}}cluster {{cluster}} · {{/if}}{{namespace}}/{{name}}{{#if progress}} · {{progress}} done{{/if}}</span></th><td>{{type}}</td><td class="owned">{{owned}}</td><td>{{phase}}</td><td>{{#if dueAt}}{{dueAt}}{{#if overdue}} <strong><span aria-hidden="true">⚠ </span>Overdue</strong>{{/if}}{{else}}no due date{{/if}}</td></tr>{{/each}}</tbody></table>
{{else}}<p id="no-tasks">No open task is yours or shared with you.</p>{{/if}}`;

const RELEASE = `<h1>Release {{row.name}}</h1>
<p class="meta">{{#if row.cluster}}Cluster {{row.cluster}} · {{/if}}Namespace {{row.namespace}}{{#if row.version}} · version {{row.version}}{{/if}}{{#if row.dimensions}} · {{row.dimensions}}{{/if}}</p>
<p><a id="retro-link" href="{{retroHref}}">Timeline and retrospective</a> <span class="meta">(from the verified audit trail)</span></p>
{{> liveStatus}}
${NOTICES}
<h2>Environments</h2>
<table class="board"><tbody>{{> row row=row}}</tbody></table>
<dl class="times">{{#each times}}<dt>{{environment}}</dt><dd>{{#each steps}}{{label}} {{at}}{{#unless @last}}; {{/unless}}{{/each}}</dd>{{/each}}</dl>
<h2>Conditions</h2>
{{#if conditions.length}}<ul>{{#each conditions}}<li><strong>{{type}}</strong>: {{status}}{{#if reason}} ({{reason}}){{/if}}{{#if message}}: {{message}}{{/if}}</li>{{/each}}</ul>{{else}}<p>No conditions yet.</p>{{/if}}
<h2>Events</h2>
{{#if events.length}}<table id="release-events"><thead><tr><th scope="col">When</th><th scope="col">Type</th><th scope="col">Reason</th><th scope="col">Message</th></tr></thead>
<tbody>{{#each events}}<tr><td>{{at}}</td><td>{{#if warning}}<span aria-hidden="true">⚠ </span>{{/if}}{{type}}</td><td>{{reason}}</td><td>{{message}}</td></tr>{{/each}}</tbody></table>
{{else}}<p id="no-events">No events are recorded for this release (Kubernetes keeps events for about an hour).</p>{{/if}}`;

const OVERDUE = `<h1>Overdue and stalled tasks</h1>
${filterForm("/overdue")}
${NOTICES}
<p class="meta">Every task you may read, not only yours, as the operator judged it: <strong>Overdue</strong> when its due
time (its dueAt, its SLA or its Environment's task SLA) passed before it succeeded; <strong>Stalled</strong> when it cannot
move until someone fixes its spec. The sentences are the operator's.</p>
<h2>Overdue</h2>
{{#if overdue.length}}
<table id="overdue-tasks"><caption>{{overdue.length}} overdue task(s), the longest overdue first.</caption>
<thead><tr><th scope="col">Task</th><th scope="col">Type</th><th scope="col">Owners</th><th scope="col">Due</th><th scope="col">Operator says</th></tr></thead>
<tbody>{{#each overdue}}<tr data-task="{{namespace}}/{{name}}"><th scope="row"><span aria-hidden="true">⚠ </span>{{title}}<br><span class="meta">{{#if cluster}}cluster {{cluster}} · {{/if}}{{namespace}}/{{name}}{{#if release}} · release {{release}}{{/if}}{{#if environment}} · {{environment}}{{/if}} · {{phase}}</span></th><td>{{type}}</td><td>{{owners}}</td><td>{{#if dueAt}}{{dueAt}}{{else}}unknown{{/if}}<br><span class="meta">overdue since {{since}}</span></td><td>{{message}}</td></tr>{{/each}}</tbody></table>
{{else}}<p id="no-overdue">No task you may read is overdue.</p>{{/if}}
<h2>Stalled</h2>
{{#if stalled.length}}
<table id="stalled-tasks"><caption>{{stalled.length}} stalled task(s), the oldest first.</caption>
<thead><tr><th scope="col">Task</th><th scope="col">Owners</th><th scope="col">Since</th><th scope="col">Operator says</th></tr></thead>
<tbody>{{#each stalled}}<tr data-task="{{namespace}}/{{name}}"><th scope="row"><span aria-hidden="true">✖ </span>{{title}}<br><span class="meta">{{#if cluster}}cluster {{cluster}} · {{/if}}{{namespace}}/{{name}}</span></th><td>{{owners}}</td><td>{{since}}</td><td><strong>{{reason}}</strong>: {{message}}</td></tr>{{/each}}</tbody></table>
{{else}}<p id="no-stalled">No task you may read is stalled.</p>{{/if}}`;

const DEPLOYMENTS = `<h1>Deployments</h1>
${filterForm("/deployments")}
${NOTICES}
<h2>Unapproved deployments</h2>
{{#if unapproved.length}}
<ul class="items" id="unapproved">{{#each unapproved}}<li data-release="{{namespace}}/{{release}}"><p class="error"><span aria-hidden="true">✖ </span><strong>Unapproved:</strong> <a href="{{href}}">{{release}}</a> <span class="meta">in {{#if cluster}}cluster {{cluster}} · {{/if}}{{namespace}} · since {{since}}</span></p><p>{{message}}</p></li>{{/each}}</ul>
{{else}}<p id="no-unapproved">The operator reports no unapproved deployment in what you may read.</p>{{/if}}
<h2>Recent deployments</h2>
{{#if deployments.length}}
<table id="recent-deployments"><caption>{{deployments.length}} promotion(s) the operator recorded, newest first.</caption>
<thead><tr><th scope="col">When</th><th scope="col">Release</th><th scope="col">Environment</th><th scope="col">State</th><th scope="col">Revision</th></tr></thead>
<tbody>{{#each deployments}}<tr data-deployment="{{namespace}}/{{release}}/{{environment}}"><td>{{at}}<br><span class="meta">{{step}}</span></td><th scope="row"><a href="{{href}}">{{release}}</a><br><span class="meta">{{#if cluster}}cluster {{cluster}} · {{/if}}{{namespace}}{{#if version}} · {{version}}{{/if}}</span></th><td>{{environment}}</td><td><span aria-hidden="true">{{symbol}} </span>{{state}}</td><td><code>{{revision}}</code></td></tr>{{/each}}</tbody></table>
{{else}}<p id="no-deployments">No deployment is recorded in what you may read.</p>{{/if}}
<h2>Rollbacks</h2>
{{#if rollbacks.length}}
<table id="rollbacks"><caption>{{rollbacks.length}} Rollback task(s), newest first; who opened each and why is in the audit trail.</caption>
<thead><tr><th scope="col">Opened</th><th scope="col">Task</th><th scope="col">Alert</th><th scope="col">Phase</th></tr></thead>
<tbody>{{#each rollbacks}}<tr data-task="{{namespace}}/{{name}}"><td>{{openedAt}}</td><th scope="row"><span aria-hidden="true">↺ </span>{{title}}<br><span class="meta">{{#if cluster}}cluster {{cluster}} · {{/if}}{{namespace}}/{{name}}{{#if release}} · release {{release}}{{/if}}{{#if environment}} · {{environment}}{{/if}}</span></th><td>{{#if alert}}{{alert}}{{else}}none (opened by a person){{/if}}</td><td>{{phase}}{{#if completedAt}}<br><span class="meta">completed {{completedAt}}</span>{{/if}}</td></tr>{{/each}}</tbody></table>
{{else}}<p id="no-rollbacks">No Rollback task in what you may read.</p>{{/if}}`;

const RETRO = `<p class="meta"><a href="{{back}}">Back to the release</a> · from the operator's verified audit trail, read with your token</p>
${NOTICES}
<div class="retro" id="retro">{{{retro}}}</div>`;

const INSIGHTS = `<h1>Delivery insights</h1>
<form class="filter" method="get" action="/insights">
  <label for="days">Days</label>
  <input id="days" name="days" value="{{days}}" inputmode="numeric" size="4">
  <label for="selector">Recorded dimensions</label>
  <input id="selector" name="selector" value="{{selector}}" placeholder="team=payments">
  <button type="submit">Show</button>
</form>
${NOTICES}
<p class="meta">The last {{days}} days, computed as <code>stagegate insights</code> computes them, from the audit trail
{{source}} read through the operator's feed with your token (chain verified through entry {{verifiedThrough}}).</p>
<h2>DORA measures</h2>
{{#if dora.length}}
{{#each doraCharts}}{{{this}}}{{/each}}
<table id="dora-table"><caption>The same measures as numbers, one row per environment.</caption>
<thead><tr><th scope="col">Environment</th><th scope="col">Deployments</th><th scope="col">Per day</th><th scope="col">Lead time (median)</th><th scope="col">Change failure rate</th><th scope="col">Time to restore (median)</th></tr></thead>
<tbody>{{#each dora}}<tr><th scope="row">{{label}}</th><td>{{deployments}}</td><td>{{perDay}}</td><td>{{leadTime}}</td><td>{{failureRate}}</td><td>{{restore}}</td></tr>{{/each}}</tbody></table>
{{else}}<p id="no-dora">No promotion ended in the period and selection.</p>{{/if}}
<h2>Bottlenecks</h2>
{{#if bottleneckChart}}{{{bottleneckChart}}}{{else}}<p id="no-bottlenecks">No wait to measure in the period and selection.</p>{{/if}}
{{#if gateWaitChart}}{{{gateWaitChart}}}{{/if}}`;

const RESULT = `<h1>{{heading}}</h1>
<p class="{{#if ok}}ok{{else}}error{{/if}}" role="{{#if ok}}status{{else}}alert{{/if}}" id="result-message"><span aria-hidden="true">{{#if ok}}✔{{else}}✖{{/if}} </span>{{message}}</p>
<p><a href="{{back}}">Back</a></p>`;

const handlebars = Handlebars.create();
handlebars.registerPartial("row", ROW);
handlebars.registerPartial("decide", DECIDE_FORM);
handlebars.registerPartial("liveStatus", LIVE_STATUS);

const compile = (source: string): HandlebarsTemplateDelegate =>
  handlebars.compile(source, { noEscape: false, knownHelpersOnly: true });

/** The compiled pages; each takes its view model and returns HTML escaped by Handlebars. */
export const templates = {
  layout: compile(LAYOUT),
  signIn: compile(SIGN_IN),
  board: compile(BOARD),
  row: compile(ROW),
  waiting: compile(WAITING),
  release: compile(RELEASE),
  overdue: compile(OVERDUE),
  retro: compile(RETRO),
  insights: compile(INSIGHTS),
  deployments: compile(DEPLOYMENTS),
  result: compile(RESULT),
};
