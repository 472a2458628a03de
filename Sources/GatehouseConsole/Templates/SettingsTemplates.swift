extension ConsoleTemplates {
    static let settings = """
        <h1>Settings</h1>
        {{^canManage}}<p class="notice">You can see these settings; only owners and admins can change them.</p>{{/canManage}}
        <form method="post" action="/console/settings" class="card form" novalidate>
          <input type="hidden" name="csrf" value="{{csrf}}">
          <fieldset{{^canManage}} disabled{{/canManage}}>
          <legend class="sr-only">Messaging and AI settings</legend>
          <div class="field">
            <label for="allowed_numbers">Allowed numbers</label>
            <textarea id="allowed_numbers" name="allowed_numbers" rows="4" aria-describedby="numbers-hint{{#errors.allowed_numbers}} numbers-error{{/errors.allowed_numbers}}"{{#errors.allowed_numbers}} aria-invalid="true"{{/errors.allowed_numbers}}>{{allowedNumbers}}</textarea>
            <p class="hint" id="numbers-hint">One E.164 number per line, e.g. +5511999999999. Empty: messages may go to any number.</p>
            {{#errors.allowed_numbers}}<p class="field-error" id="numbers-error">{{errors.allowed_numbers}}</p>{{/errors.allowed_numbers}}
          </div>
          <div class="field">
            <label class="check"><input type="checkbox" name="require_approval" value="on"{{#requireApproval}} checked{{/requireApproval}}> Require approval</label>
            <p class="hint">Outbound messages wait until an owner or admin approves them.</p>
          </div>
          <div class="field">
            <label class="check"><input type="checkbox" name="ai_consent_enabled" value="on"{{#aiConsent}} checked{{/aiConsent}}> Allow AI processing of messages</label>
            <p class="hint">Each change is written to the consent ledger with your browser's IP address and user agent.</p>
          </div>
          {{#canManage}}<button type="submit">Save settings</button>{{/canManage}}
          </fieldset>
        </form>
        <section aria-labelledby="consent-h">
          <h2 id="consent-h">Consent history</h2>
          {{#hasConsents}}
          <div class="table-wrap">
          <table><thead><tr><th scope="col">When (UTC)</th><th scope="col">AI processing</th><th scope="col">Version</th><th scope="col">By</th><th scope="col">IP</th><th scope="col">User agent</th></tr></thead>
          <tbody>{{#consents}}<tr><td>{{time}}</td><td>{{granted}}</td><td>{{version}}</td><td>{{by}}</td><td>{{ip}}</td><td class="small">{{userAgent}}</td></tr>{{/consents}}</tbody></table>
          </div>
          {{/hasConsents}}
          {{^hasConsents}}<p class="muted">No consent given or withdrawn yet. Tick “Allow AI processing” above to record one.</p>{{/hasConsents}}
        </section>
        """

    static let account = """
        <h1>Account</h1>
        <section class="card" aria-labelledby="profile-h">
          <h2 id="profile-h">Profile</h2>
          <p class="meta">{{user.email}} · {{role}}{{^user.emailVerified}} · <strong>email not verified</strong>{{/user.emailVerified}}</p>
          <form method="post" action="/console/account/name" novalidate>
            <input type="hidden" name="csrf" value="{{csrf}}">
            <div class="field">
              <label for="full_name">Name</label>
              <input id="full_name" name="full_name" maxlength="64" required value="{{fullName}}"{{#errors.full_name}} aria-invalid="true" aria-describedby="name-error"{{/errors.full_name}}>
              {{#errors.full_name}}<p class="field-error" id="name-error">{{errors.full_name}}</p>{{/errors.full_name}}
            </div>
            <button type="submit">Save name</button>
          </form>
        </section>
        <section class="card" aria-labelledby="password-h">
          <h2 id="password-h">Change password</h2>
          <form method="post" action="/console/account/password" novalidate>
            <input type="hidden" name="csrf" value="{{csrf}}">
            {{#user.hasPassword}}
            <div class="field">
              <label for="current_password">Current password</label>
              <input id="current_password" name="current_password" type="password" autocomplete="current-password" required{{#errors.current_password}} aria-invalid="true" aria-describedby="current-error"{{/errors.current_password}}>
              {{#errors.current_password}}<p class="field-error" id="current-error">{{errors.current_password}}</p>{{/errors.current_password}}
            </div>
            {{/user.hasPassword}}
            <div class="field">
              <label for="new_password">New password</label>
              <input id="new_password" name="new_password" type="password" autocomplete="new-password" minlength="8" maxlength="128" required aria-describedby="new-hint{{#errors.new_password}} new-error{{/errors.new_password}}"{{#errors.new_password}} aria-invalid="true"{{/errors.new_password}}>
              <p class="hint" id="new-hint">8 to 128 characters. Your other sessions end.</p>
              {{#errors.new_password}}<p class="field-error" id="new-error">{{errors.new_password}}</p>{{/errors.new_password}}
            </div>
            <button type="submit">Change password</button>
          </form>
        </section>
        <section class="card" aria-labelledby="everywhere-h">
          <h2 id="everywhere-h">Sign out everywhere</h2>
          <p>Ends every session of your account: this browser, other browsers, and API tokens from sign-in. API keys keep working.</p>
          <form method="post" action="/console/account/sign-out-everywhere">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <button type="submit" class="danger">Sign out everywhere</button>
          </form>
        </section>
        """
}
