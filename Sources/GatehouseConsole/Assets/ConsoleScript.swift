/// The console's one script, served at `/console/assets/console.js`. Every action works without
/// it; it only adds a copy button for a new key and refreshes the recent-calls panel.
enum ConsoleScript {
    static let javascript = """
        "use strict";
        document.addEventListener("DOMContentLoaded", function () {
          document.querySelectorAll("[data-copy]").forEach(function (button) {
            var field = document.getElementById(button.getAttribute("data-copy"));
            if (!field || !navigator.clipboard) { return; }
            button.hidden = false;
            button.addEventListener("click", function () {
              navigator.clipboard.writeText(field.value).then(function () {
                button.textContent = "Copied";
              }, function () {
                field.select();
              });
            });
          });
          var panel = document.querySelector("[data-refresh]");
          if (panel) {
            var url = panel.getAttribute("data-refresh");
            window.setInterval(function () {
              if (document.hidden) { return; }
              fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } }).then(function (response) {
                return response.ok ? response.text() : null;
              }).then(function (html) {
                if (html !== null) { panel.innerHTML = html; }
              }).catch(function () {});
            }, 5000);
          }
        });
        """
}
