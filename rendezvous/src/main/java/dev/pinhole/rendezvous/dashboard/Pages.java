package dev.pinhole.rendezvous.dashboard;

/** The dashboard's two pages and its script: plain HTML, no framework, no external resources (CSP 'self'). */
final class Pages {
    private Pages() {}

    private static final String STYLE = "<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
            + "table{border-collapse:collapse;margin-bottom:2em}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}"
            + "th{background:#f4f4f4}.error{color:#b00}code{font-size:90%}</style>";

    static String login(String error) {
        return "<!doctype html><html><head><meta charset=utf-8><title>Pinhole rendezvous: log in</title>" + STYLE
                + "</head><body><h1>Pinhole rendezvous</h1>"
                + (error == null ? "" : "<p id=error class=error>" + error + "</p>")
                + "<form method=post action=/login><label>Admin secret (in the data dir, file <code>dashboard-secret</code>) "
                + "<input id=secret name=secret type=password autocomplete=current-password autofocus></label> "
                + "<button id=login type=submit>Log in</button></form></body></html>";
    }

    static final String DASHBOARD = "<!doctype html><html><head><meta charset=utf-8><title>Pinhole rendezvous</title>"
            + STYLE + "</head><body><h1>Pinhole rendezvous</h1><p id=uptime></p>"
            + "<h2>Peers online</h2><table id=peers><thead><tr><th>peer</th><th>NAT</th><th>token</th><th>since</th></tr></thead><tbody></tbody></table>"
            + "<h2>Services</h2><table id=services><thead><tr><th>name</th><th>owner</th><th>port</th><th>public URL</th></tr></thead><tbody></tbody></table>"
            + "<h2>Sessions</h2><table id=sessions><thead><tr><th>session</th><th>service</th><th>connector</th><th>path</th><th>bytes</th><th>of which relayed</th><th>since</th></tr></thead><tbody></tbody></table>"
            + "<form method=post action=/logout><button id=logout type=submit>Log out</button></form>"
            + "<script src=/app.js></script></body></html>";

    /** Polls /api/state every 2 s and fills the tables (textContent only: nothing from the API is parsed as HTML). */
    static final String SCRIPT = """
            function fill(id, rows) {
              const body = document.querySelector('#' + id + ' tbody');
              body.replaceChildren(...rows.map(cells => {
                const tr = document.createElement('tr');
                for (const cell of cells) { const td = document.createElement('td'); td.textContent = cell; tr.appendChild(td); }
                return tr;
              }));
            }
            async function refresh() {
              const response = await fetch('/api/state', {credentials: 'same-origin'});
              if (response.status === 401) { location.reload(); return; }
              const s = await response.json();
              document.getElementById('uptime').textContent = 'up ' + s.uptime_seconds + ' s';
              fill('peers', s.peers.map(p => [p.id, p.nat, p.token, p.since]));
              fill('services', s.services.map(v => [v.name, v.owner, v.port, v.urls.join(' ') || '(not public)']));
              fill('sessions', s.sessions.map(x => [x.id, x.service, x.connector, x.path, x.bytes, x.relayed_bytes, x.since]));
            }
            refresh();
            setInterval(refresh, 2000);
            """;
}
