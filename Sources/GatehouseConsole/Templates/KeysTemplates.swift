extension ConsoleTemplates {
    /// A spend bar: `bar` has `pct` (0-100), `level` (ok, warn, over) and `label`.
    static let bar = """
        <svg class="bar" viewBox="0 0 100 6" preserveAspectRatio="none" role="img" aria-label="{{label}}"><rect class="track" width="100" height="6" rx="3"/><rect class="fill {{level}}" width="{{pct}}" height="6" rx="3"/></svg>
        """

    static let keys = """
        <div class="heading-row">
          <h1>API keys</h1>
          {{#canManage}}<a class="button" href="/console/keys/new">Create a key</a>{{/canManage}}
        </div>
        {{^canManage}}<p class="empty">Only owners and admins manage API keys. Ask one of them for a key.</p>{{/canManage}}
        {{#canManage}}
        {{#hasKeys}}
        <div class="table-wrap">
        <table class="keys">
          <caption class="sr-only">Your API keys</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Prefix</th><th scope="col">Scopes</th><th scope="col">Last used</th><th scope="col">Rate limit</th><th scope="col">Spend this period</th><th scope="col">Status</th></tr></thead>
          <tbody>
          {{#keys}}
          <tr>
            <td data-label="Name"><a href="/console/keys/{{id}}">{{name}}</a></td>
            <td data-label="Prefix"><code>{{prefix}}…</code></td>
            <td data-label="Scopes" class="scopes">{{#scopes}}<span class="chip">{{.}}</span> {{/scopes}}{{^scopes}}<span class="muted">none</span>{{/scopes}}</td>
            <td data-label="Last used">{{lastUsed}}</td>
            <td data-label="Rate limit">{{rateLimit}}</td>
            <td data-label="Spend" class="spend">{{#spend}}{{^noBar}}{{> bar}}{{/noBar}}<span class="small">{{text}}</span>{{/spend}}</td>
            <td data-label="Status"><span class="status {{statusClass}}">{{status}}</span></td>
          </tr>
          {{/keys}}
          </tbody>
        </table>
        </div>
        {{/hasKeys}}
        {{^hasKeys}}
        <div class="empty">
          <p><strong>No keys yet.</strong> A key lets your servers and scripts call the API with <code>X-API-Key</code>.</p>
          <p><a class="button" href="/console/keys/new">Create your first key</a></p>
        </div>
        {{/hasKeys}}
        {{/canManage}}
        """

    static let newKey = """
        <h1>Create an API key</h1>
        <form method="post" action="/console/keys" class="card form" novalidate>
          <input type="hidden" name="csrf" value="{{csrf}}">
          <div class="field">
            <label for="name">Name</label>
            <input id="name" name="name" maxlength="64" required value="{{form.name}}" aria-describedby="name-hint{{#errors.name}} name-error{{/errors.name}}"{{#errors.name}} aria-invalid="true"{{/errors.name}}>
            <p class="hint" id="name-hint">What this key is for, e.g. "ci-runner". 1 to 64 characters.</p>
            {{#errors.name}}<p class="field-error" id="name-error">{{errors.name}}</p>{{/errors.name}}
          </div>
          <fieldset class="field">
            <legend>Scopes</legend>
            <p class="hint">A key can hold only scopes you hold yourself.</p>
            {{#scopes}}
            <label class="check"><input type="checkbox" name="scopes" value="{{name}}"{{#checked}} checked{{/checked}}> <code>{{name}}</code> <span class="muted">{{description}}</span></label>
            {{/scopes}}
            {{#errors.scopes}}<p class="field-error">{{errors.scopes}}</p>{{/errors.scopes}}
          </fieldset>
          <div class="grid">
            <div class="field">
              <label for="expires_in_days">Expires after (days)</label>
              <input id="expires_in_days" name="expires_in_days" type="number" min="1" max="3650" inputmode="numeric" value="{{form.expires_in_days}}" aria-describedby="expiry-hint">
              <p class="hint" id="expiry-hint">Empty: never expires.</p>
              {{#errors.expires_in_days}}<p class="field-error">{{errors.expires_in_days}}</p>{{/errors.expires_in_days}}
            </div>
            <div class="field">
              <label for="rate_limit_rpm">Requests per minute</label>
              <input id="rate_limit_rpm" name="rate_limit_rpm" type="number" min="0" max="1000000" inputmode="numeric" value="{{form.rate_limit_rpm}}" aria-describedby="rpm-hint">
              <p class="hint" id="rpm-hint">0: no cap.</p>
              {{#errors.rate_limit_rpm}}<p class="field-error">{{errors.rate_limit_rpm}}</p>{{/errors.rate_limit_rpm}}
            </div>
            <div class="field">
              <label for="spend_limit">Spend cap</label>
              <input id="spend_limit" name="spend_limit" inputmode="decimal" value="{{form.spend_limit}}" aria-describedby="spend-hint">
              <p class="hint" id="spend-hint">Up to 6 decimals. Empty: no cap.</p>
              {{#errors.spend_limit}}<p class="field-error">{{errors.spend_limit}}</p>{{/errors.spend_limit}}
            </div>
            <div class="field">
              <label for="spend_period">Cap period</label>
              <select id="spend_period" name="spend_period">
                {{#periods}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/periods}}
              </select>
              {{#errors.spend_period}}<p class="field-error">{{errors.spend_period}}</p>{{/errors.spend_period}}
            </div>
          </div>
          <div class="actions"><button type="submit">Create the key</button> <a href="/console/keys">Cancel</a></div>
        </form>
        """

    /// The raw key, once.
    static let rawKey = """
        <h1>{{heading}}</h1>
        <div class="card reveal">
          <p class="warning" role="alert"><strong>{{warning}}</strong></p>
          <label for="raw-key">Your key “{{name}}”</label>
          <div class="copy-row">
            <input id="raw-key" class="mono" readonly value="{{raw}}" data-raw-key>
            <button type="button" class="secondary" data-copy="raw-key" hidden>Copy</button>
          </div>
          <p class="hint">Send it in the <code>X-API-Key</code> header. We store only a hash: if you lose it, rotate the key.</p>
          {{#graceUntil}}<p>The previous secret keeps working until {{graceUntil}}.</p>{{/graceUntil}}
        </div>
        <p><a class="button" href="/console/keys/{{id}}">I saved it: open the key</a> <a href="/console/keys">Back to all keys</a></p>
        """

    static let revokeConfirm = """
        <section class="narrow">
        <h1>Revoke “{{name}}”?</h1>
        <p>Calls with <code>{{prefix}}…</code> are refused at once. The key stays listed as revoked, with its usage, for your records. This cannot be undone.</p>
        <form method="post" action="/console/keys/{{id}}/revoke">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <button type="submit" class="danger">Revoke the key</button>
          <a href="/console/keys/{{id}}">Keep it</a>
        </form>
        </section>
        """
}
