extension ConsoleTemplates {
    static let usage = """
        <div class="heading-row">
          <h1>Usage</h1>
          <a class="button secondary" href="/console/usage.csv">Download the daily breakdown (CSV)</a>
        </div>
        <p class="meta">{{month}} (UTC) · the month resets {{periodEnd}} · plan {{planName}} (<a href="/console/billing">billing</a>)</p>

        <section aria-labelledby="plan-h">
          <h2 id="plan-h">This month against the {{planName}} plan</h2>
          <div class="cards">
          {{#meters}}
            <div class="card stat" data-meter="{{key}}"{{#bar}} data-level="{{level}}"{{/bar}}>
              <h3>{{label}}</h3>
              <p class="big">{{used}}{{#limit}} <span class="unit">of {{limit}}</span>{{/limit}}</p>
              {{#bar}}{{> bar}}<p class="small">{{pctText}} used{{#warning}} · <strong>{{warning}}</strong>{{/warning}}</p>{{/bar}}
              {{#note}}<p class="small muted">{{note}}</p>{{/note}}
            </div>
          {{/meters}}
          </div>
        </section>

        <section aria-labelledby="daily-h">
          <h2 id="daily-h">Daily breakdown</h2>
          {{#hasDays}}
          <div class="table-wrap">
          <table>
            <thead><tr><th scope="col">Day</th><th scope="col">API calls</th><th scope="col">Messages sent</th><th scope="col">Cost</th><th scope="col">Messages by session</th></tr></thead>
            <tbody>
            {{#days}}<tr><td>{{day}}</td><td>{{apiCalls}}</td><td>{{messagesSent}}</td><td>{{cost}}</td><td>{{#sessions}}<span class="chip">{{name}}: {{count}}</span> {{/sessions}}{{^sessions}}<span class="muted">—</span>{{/sessions}}</td></tr>{{/days}}
            </tbody>
          </table>
          </div>
          {{/hasDays}}
          {{^hasDays}}<p class="empty">Nothing used this month yet. Calls made with your API keys and messages sent through your sessions show up here by day.</p>{{/hasDays}}
        </section>
        """
}
