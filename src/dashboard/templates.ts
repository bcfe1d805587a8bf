import Handlebars from "handlebars";

// Server-rendered pages: Handlebars escapes every {{value}}; {{{body}}} only ever holds another template's output.
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
  </nav>
  <form class="who" method="post" action="/sign-out">
    <span>Signed in as <strong id="signed-in-user">{{user}}</strong></span>
    <input type="hidden" name="csrf" value="{{csrf}}">
    <button type="submit">Sign out</button>
  </form>
  {{/if}}
</header>
<main id="main"{{#if live}} data-live="{{live}}"{{/if}}>
{{{body}}}
</main>
{{#if live}}<script type="module" src="/static/live.js"></script>{{/if}}
</body>
</html>
`;

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

const ROW = `<tr id="{{row.rowId}}" data-release="{{row.namespace}}/{{row.name}}">
  <th scope="row"><a href="{{row.href}}">{{row.name}}</a><br><span class="meta">{{row.namespace}}{{#if row.version}} · {{row.version}}{{/if}}</span>{{#if row.dimensions}}<br><span class="meta">{{row.dimensions}}</span>{{/if}}</th>
  <td><ol class="cells">{{#each row.cells}}<li class="cell tone-{{tone}}" data-environment="{{environment}}" data-state="{{state}}">
    <span class="env">{{environment}}</span>
    <span class="state"><span aria-hidden="true">{{symbol}} </span>{{label}}</span>
    {{#if reasons.length}}<ul class="reasons">{{#each reasons}}<li>{{this}}</li>{{/each}}</ul>{{/if}}
  </li>{{/each}}</ol></td>
</tr>`;

const BOARD = `<h1>Pipeline board</h1>
<form class="filter" method="get" action="/">
  <label for="namespace">Namespaces</label>
  <input id="namespace" name="namespace" value="{{namespace}}" placeholder="all you may list">
  <label for="selector">Labels</label>
  <input id="selector" name="selector" value="{{selector}}" placeholder="stagegate.io/team=payments">
  <button type="submit">Filter</button>
</form>
${NOTICES}
<p id="live-status" class="meta" role="status" aria-live="polite">Live updates connecting…</p>
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
  <label for="comment-{{item.namespace}}-{{item.approval}}">Comment</label>
  <input id="comment-{{item.namespace}}-{{item.approval}}" name="comment" maxlength="4096">
  <button type="submit" name="decision" value="Approve">✔ Approve</button>
  <button type="submit" name="decision" value="Reject">✖ Reject</button>
</form>`;

const WAITING = `<h1>Waiting for me</h1>
${NOTICES}
<h2>Approvals</h2>
{{#if approvals.length}}
<ul class="items" id="waiting-approvals">{{#each approvals}}<li data-approval="{{namespace}}/{{approval}}">
  <p><strong>ChangeRequest {{changeRequest}}</strong> <span class="meta">in {{namespace}} · {{approvals}} of {{required}} approvals · eligible: {{eligible}}{{#if expiresAt}} · expires {{expiresAt}}{{/if}}</span></p>
  {{> decide item=this csrf=../csrf}}
</li>{{/each}}</ul>
{{else}}<p id="no-approvals">No approval waits for your decision.</p>{{/if}}
<h2>My open tasks</h2>
{{#if tasks.length}}
<table><thead><tr><th scope="col">Task</th><th scope="col">Type</th><th scope="col">Phase</th><th scope="col">Due</th></tr></thead>
<tbody id="waiting-tasks">{{#each tasks}}<tr data-task="{{namespace}}/{{name}}"><th scope="row">{{title}}<br><span class="meta">{{namespace}}/{{name}}{{#if progress}} · {{progress}} done{{/if}}</span></th><td>{{type}}</td><td>{{phase}}</td><td>{{#if dueAt}}{{dueAt}}{{#if overdue}} <strong><span aria-hidden="true">⚠ </span>Overdue</strong>{{/if}}{{else}}no due date{{/if}}</td></tr>{{/each}}</tbody></table>
{{else}}<p id="no-tasks">No open task is yours.</p>{{/if}}`;

const RELEASE = `<h1>Release {{row.name}}</h1>
<p class="meta">Namespace {{row.namespace}}{{#if row.version}} · version {{row.version}}{{/if}}{{#if row.dimensions}} · {{row.dimensions}}{{/if}}</p>
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

const RESULT = `<h1>{{heading}}</h1>
<p class="{{#if ok}}ok{{else}}error{{/if}}" role="{{#if ok}}status{{else}}alert{{/if}}" id="result-message"><span aria-hidden="true">{{#if ok}}✔{{else}}✖{{/if}} </span>{{message}}</p>
<p><a href="{{back}}">Back</a></p>`;

const handlebars = Handlebars.create();
handlebars.registerPartial("row", ROW);
handlebars.registerPartial("decide", DECIDE_FORM);

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
  result: compile(RESULT),
};
