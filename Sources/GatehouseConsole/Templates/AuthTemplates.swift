extension ConsoleTemplates {
    static let signIn = """
        <section class="narrow">
        <h1>Sign in</h1>
        <form method="post" action="/console/sign-in" novalidate>
          <input type="hidden" name="csrf" value="{{csrf}}">
          <div class="field">
            <label for="email">Email</label>
            <input id="email" name="email" type="email" autocomplete="username" required value="{{email}}"{{#errors.email}} aria-invalid="true" aria-describedby="email-error"{{/errors.email}}>
            {{#errors.email}}<p class="field-error" id="email-error">{{errors.email}}</p>{{/errors.email}}
          </div>
          <div class="field">
            <label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required{{#errors.password}} aria-invalid="true" aria-describedby="password-error"{{/errors.password}}>
            {{#errors.password}}<p class="field-error" id="password-error">{{errors.password}}</p>{{/errors.password}}
          </div>
          <button type="submit">Sign in</button>
        </form>
        <p class="aside"><a href="/console/magic-link">Email me a sign-in link</a> · <a href="/console/forgot-password">Forgot your password?</a></p>
        <p>New to Gatehouse? <a href="/console/sign-up">Create an account</a></p>
        </section>
        """

    static let signUp = """
        <section class="narrow">
        <h1>Create an account</h1>
        <form method="post" action="/console/sign-up" novalidate>
          <input type="hidden" name="csrf" value="{{csrf}}">
          {{#fields}}
          <div class="field">
            <label for="{{name}}">{{label}}</label>
            <input id="{{name}}" name="{{name}}" type="{{type}}" autocomplete="{{autocomplete}}" required value="{{value}}"{{#error}} aria-invalid="true" aria-describedby="{{name}}-error"{{/error}}>
            {{#hint}}<p class="hint">{{hint}}</p>{{/hint}}
            {{#error}}<p class="field-error" id="{{name}}-error">{{error}}</p>{{/error}}
          </div>
          {{/fields}}
          <button type="submit">Create the account</button>
        </form>
        <p class="aside">Already have one? <a href="/console/sign-in">Sign in</a></p>
        </section>
        """

    /// One email field and a button: "email me a link" and "forgot password".
    static let emailRequest = """
        <section class="narrow">
        <h1>{{heading}}</h1>
        {{#sent}}
        <p>If an account uses <strong>{{email}}</strong>, a mail with a link is on its way. The link works once{{#minutes}} and for {{minutes}} minutes{{/minutes}}.</p>
        <p><a href="/console/sign-in">Back to sign in</a></p>
        {{/sent}}
        {{^sent}}
        <p>{{explanation}}</p>
        <form method="post" action="{{action}}" novalidate>
          <input type="hidden" name="csrf" value="{{csrf}}">
          <div class="field">
            <label for="email">Email</label>
            <input id="email" name="email" type="email" autocomplete="username" required value="{{email}}"{{#errors.email}} aria-invalid="true" aria-describedby="email-error"{{/errors.email}}>
            {{#errors.email}}<p class="field-error" id="email-error">{{errors.email}}</p>{{/errors.email}}
          </div>
          <button type="submit">{{button}}</button>
        </form>
        <p class="aside"><a href="/console/sign-in">Sign in with a password</a></p>
        {{/sent}}
        </section>
        """

    /// A mail link's landing page: nothing happens until the button is pressed (mail scanners
    /// open links too).
    static let confirmLink = """
        <section class="narrow">
        <h1>{{heading}}</h1>
        <p>{{explanation}}</p>
        <form method="post" action="{{action}}">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <input type="hidden" name="token" value="{{token}}">
          <button type="submit">{{button}}</button>
        </form>
        </section>
        """

    static let resetPassword = """
        <section class="narrow">
        <h1>Choose a new password</h1>
        <p>Signing in with the new password ends every other session of your account.</p>
        <form method="post" action="/auth/reset-password" novalidate>
          <input type="hidden" name="csrf" value="{{csrf}}">
          <input type="hidden" name="token" value="{{token}}">
          <div class="field">
            <label for="new_password">New password</label>
            <input id="new_password" name="new_password" type="password" autocomplete="new-password" minlength="8" maxlength="128" required{{#errors.new_password}} aria-invalid="true" aria-describedby="new_password-error"{{/errors.new_password}}>
            <p class="hint">8 to 128 characters.</p>
            {{#errors.new_password}}<p class="field-error" id="new_password-error">{{errors.new_password}}</p>{{/errors.new_password}}
          </div>
          <button type="submit">Set the password</button>
        </form>
        </section>
        """

    /// A page that only says something (errors, dead links).
    static let message = """
        <section class="narrow">
        <h1>{{heading}}</h1>
        <p>{{text}}</p>
        {{#link}}<p><a href="{{href}}">{{label}}</a></p>{{/link}}
        </section>
        """
}
