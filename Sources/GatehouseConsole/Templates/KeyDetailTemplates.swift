extension ConsoleTemplates {
    static let keyDetail = """
        <p class="crumbs"><a href="/console/keys">API keys</a> / {{key.name}}</p>
        <div class="heading-row">
          <h1>{{key.name}} <span class="status {{key.statusClass}}">{{key.status}}</span></h1>
        </div>
        <p class="meta"><code>{{key.prefix}}…</code> · created {{key.createdAt}}{{#key.expiresAt}} · expires {{key.expiresAt}}{{/key.expiresAt}} · last used {{key.lastUsed}}</p>
        <p class="meta">{{#key.scopes}}<span class="chip">{{.}}</span> {{/key.scopes}}{{^key.scopes}}<span class="muted">No scopes</span>{{/key.scopes}}</p>

        <section aria-labelledby="stats-h">
          <h2 id="stats-h">Activity</h2>
          <div class="cards">
          {{#stats}}
            <div class="card stat" data-window="{{window}}">
              <h3>{{label}}</h3>
              <p class="big" data-stat="calls">{{calls}} <span class="unit">calls</span></p>
              <p data-stat="cost">Cost <strong>{{cost}}</strong></p>
              <p class="small">Tokens {{tokensIn}} in · {{tokensOut}} out</p>
            </div>
          {{/stats}}
          </div>
        </section>

        <section aria-labelledby="period-h" class="card">
          <h2 id="period-h">Spend this {{period.name}}</h2>
          {{#period.hasLimit}}
          <div data-progress="{{period.pct}}">{{#period}}{{> bar}}{{/period}}</div>
          <p><strong>{{period.used}}</strong> of {{period.limit}} used ({{period.pctText}}) · resets {{period.reset}}</p>
          {{/period.hasLimit}}
          {{^period.hasLimit}}
          <p><strong>{{period.used}}</strong> used{{#period.reset}} · period resets {{period.reset}}{{/period.reset}}. No spend cap: set one below to limit the damage a leaked key can do.</p>
          {{/period.hasLimit}}
        </section>

        <section aria-labelledby="chart-h">
          <h2 id="chart-h">Daily calls and cost (last 30 days)</h2>
          {{#chart.hasDays}}
          <figure class="card chart">
            <svg viewBox="0 0 {{chart.width}} {{chart.height}}" role="img" aria-labelledby="chart-title" preserveAspectRatio="none" class="chart-svg">
              <title id="chart-title">Calls per day (bars) and cost per day (line); the table below has the numbers.</title>
              <line class="axis" x1="0" y1="{{chart.baseline}}" x2="{{chart.width}}" y2="{{chart.baseline}}"/>
              {{#chart.bars}}<rect class="calls" x="{{x}}" y="{{y}}" width="{{w}}" height="{{h}}"><title>{{day}}: {{count}} calls, {{cost}}</title></rect>{{/chart.bars}}
              <polyline class="cost" points="{{chart.costPoints}}"/>
            </svg>
            <figcaption><span class="legend calls"></span> calls (max {{chart.maxCalls}}) <span class="legend cost"></span> cost (max {{chart.maxCost}})</figcaption>
          </figure>
          <details class="table-fallback"><summary>The numbers</summary>
          <table><caption class="sr-only">Calls and cost per day</caption>
            <thead><tr><th scope="col">Day</th><th scope="col">Calls</th><th scope="col">Cost</th></tr></thead>
            <tbody>{{#chart.days}}<tr><td>{{day}}</td><td>{{count}}</td><td>{{cost}}</td></tr>{{/chart.days}}</tbody>
          </table></details>
          {{/chart.hasDays}}
          {{^chart.hasDays}}<p class="empty">No calls in the last 30 days. Send a request with this key in the <code>X-API-Key</code> header and it shows up here.</p>{{/chart.hasDays}}
        </section>

        <div class="two">
        <section aria-labelledby="endpoints-h">
          <h2 id="endpoints-h">By endpoint (30 days)</h2>
          {{#hasEndpoints}}
          <table><thead><tr><th scope="col">Endpoint</th><th scope="col">Calls</th><th scope="col">Cost</th></tr></thead>
          <tbody>{{#byEndpoint}}<tr><td><code>{{endpoint}}</code></td><td>{{count}}</td><td>{{cost}}</td></tr>{{/byEndpoint}}</tbody></table>
          {{/hasEndpoints}}
          {{^hasEndpoints}}<p class="muted">No calls yet.</p>{{/hasEndpoints}}
        </section>
        <section aria-labelledby="models-h">
          <h2 id="models-h">By model (30 days)</h2>
          {{#hasModels}}
          <table><thead><tr><th scope="col">Model</th><th scope="col">Calls</th><th scope="col">Tokens in</th><th scope="col">Tokens out</th><th scope="col">Cost</th></tr></thead>
          <tbody>{{#byModel}}<tr><td>{{model}}</td><td>{{count}}</td><td>{{tokensIn}}</td><td>{{tokensOut}}</td><td>{{cost}}</td></tr>{{/byModel}}</tbody></table>
          {{/hasModels}}
          {{^hasModels}}<p class="muted">No calls with a model yet.</p>{{/hasModels}}
        </section>
        </div>

        <section aria-labelledby="recent-h">
          <h2 id="recent-h">Recent calls</h2>
          <div id="recent-calls" data-refresh="/console/keys/{{key.id}}/recent" aria-live="polite">{{> recentCalls}}</div>
        </section>

        {{^key.revoked}}
        <section aria-labelledby="limits-h" class="card">
          <h2 id="limits-h">Limits</h2>
          <form method="post" action="/console/keys/{{key.id}}/limits" novalidate>
            <input type="hidden" name="csrf" value="{{csrf}}">
            <div class="grid">
              <div class="field">
                <label for="rate_limit_rpm">Requests per minute</label>
                <input id="rate_limit_rpm" name="rate_limit_rpm" type="number" min="0" max="1000000" inputmode="numeric" required value="{{limits.rate_limit_rpm}}" aria-describedby="rpm-hint">
                <p class="hint" id="rpm-hint">0: no cap.</p>
                {{#errors.rate_limit_rpm}}<p class="field-error">{{errors.rate_limit_rpm}}</p>{{/errors.rate_limit_rpm}}
              </div>
              <div class="field">
                <label for="spend_limit">Spend cap</label>
                <input id="spend_limit" name="spend_limit" inputmode="decimal" value="{{limits.spend_limit}}" aria-describedby="cap-hint">
                <p class="hint" id="cap-hint">Empty: no cap.</p>
                {{#errors.spend_limit}}<p class="field-error">{{errors.spend_limit}}</p>{{/errors.spend_limit}}
              </div>
              <div class="field">
                <label for="spend_period">Cap period</label>
                <select id="spend_period" name="spend_period" aria-describedby="period-hint">
                  {{#periods}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/periods}}
                </select>
                <p class="hint" id="period-hint">Changing the period starts a new one with nothing spent.</p>
                {{#errors.spend_period}}<p class="field-error">{{errors.spend_period}}</p>{{/errors.spend_period}}
              </div>
            </div>
            <button type="submit">Save limits</button>
          </form>
        </section>

        <section aria-labelledby="danger-h" class="card">
          <h2 id="danger-h">Rotate or revoke</h2>
          <form method="post" action="/console/keys/{{key.id}}/rotate" class="inline">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <label for="grace_seconds">Old secret keeps working for</label>
            <select id="grace_seconds" name="grace_seconds">
              <option value="0">no time: stop at once</option>
              <option value="3600">1 hour</option>
              <option value="86400" selected>24 hours</option>
              <option value="604800">7 days</option>
            </select>
            <button type="submit" class="secondary">Rotate the key</button>
          </form>
          <p><a class="button danger" href="/console/keys/{{key.id}}/revoke">Revoke…</a></p>
        </section>
        {{/key.revoked}}
        """

    /// The recent-calls table (also served alone for the page's refresh script).
    static let recentCalls = """
        {{#hasRecent}}
        <table class="recent">
          <thead><tr><th scope="col">When (UTC)</th><th scope="col">Endpoint</th><th scope="col">Status</th><th scope="col">Duration</th><th scope="col">Cost</th><th scope="col">Model</th></tr></thead>
          <tbody>
          {{#recent}}<tr><td>{{time}}</td><td><code>{{endpoint}}</code></td><td><span class="code {{statusClass}}">{{status}}</span></td><td>{{duration}}</td><td>{{cost}}</td><td>{{model}}</td></tr>{{/recent}}
          </tbody>
        </table>
        {{/hasRecent}}
        {{^hasRecent}}<p class="muted">No calls yet. Calls appear here a second or two after they are made.</p>{{/hasRecent}}
        """
}
