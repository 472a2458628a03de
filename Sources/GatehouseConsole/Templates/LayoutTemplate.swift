extension ConsoleTemplates {
    /// Every page: head, the navigation when signed in, the page's content.
    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex">
        <title>{{title}} · Gatehouse</title>
        <link rel="stylesheet" href="/console/assets/console.css">
        <script src="/console/assets/console.js" defer></script>
        </head>
        <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
          <a class="brand" href="/console">Gatehouse</a>
          {{#user}}
          <nav aria-label="Console">
            <ul>
            {{#nav}}
              <li><a href="{{href}}"{{#active}} aria-current="page"{{/active}}>{{label}}</a></li>
            {{/nav}}
            </ul>
          </nav>
          <form method="post" action="/console/sign-out" class="signout">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <span class="who">{{user.email}}</span>
            <button type="submit" class="link">Sign out</button>
          </form>
          {{/user}}
        </header>
        <main id="main">
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        {{#problem}}<p class="problem" role="alert">{{problem}}</p>{{/problem}}
        {{{content}}}
        </main>
        </body>
        </html>
        """
}
