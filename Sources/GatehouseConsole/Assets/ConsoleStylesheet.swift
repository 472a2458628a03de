/// The console's one stylesheet, served at `/console/assets/console.css`.
enum ConsoleStylesheet {
    static let css = """
        :root{--ink:#1b1f24;--muted:#5b6470;--line:#d9dee4;--bg:#f6f7f9;--card:#fff;--brand:#2451b7;--brand-ink:#fff;--ok:#1f8a4c;--warn:#c27c0e;--over:#c0392b;--radius:10px;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg);line-height:1.45}
        *{box-sizing:border-box}
        body{margin:0}
        a{color:var(--brand)}
        a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,summary:focus-visible{outline:3px solid #f0b429;outline-offset:2px}
        .skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;z-index:9}
        .sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
        .top{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.5rem;padding:.75rem 1.25rem;background:var(--card);border-bottom:1px solid var(--line)}
        .brand{font-weight:700;text-decoration:none;color:var(--ink);font-size:1.1rem}
        .top nav ul{display:flex;gap:1rem;list-style:none;margin:0;padding:0}
        .top nav a{text-decoration:none;color:var(--muted);padding:.25rem 0}
        .top nav a[aria-current]{color:var(--ink);border-bottom:2px solid var(--brand)}
        .signout{margin-left:auto;display:flex;gap:.75rem;align-items:center}
        .who{color:var(--muted);font-size:.9rem}
        main{max-width:68rem;margin:0 auto;padding:1.25rem}
        h1{font-size:1.6rem;margin:.5rem 0 1rem}h2{font-size:1.15rem;margin:1.5rem 0 .75rem}h3{font-size:.95rem;margin:0 0 .5rem;color:var(--muted);font-weight:600}
        .narrow{max-width:26rem;margin:2rem auto}
        .card{background:var(--card);border:1px solid var(--line);border-radius:var(--radius);padding:1rem 1.25rem;margin:0 0 1rem}
        .card>h2:first-child{margin-top:0}
        .heading-row{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;justify-content:space-between}
        .field{margin:0 0 1rem;border:0;padding:0}
        label,legend{display:block;font-weight:600;margin:0 0 .3rem}
        label.check{font-weight:400;display:flex;gap:.5rem;align-items:baseline;margin:.3rem 0}
        input:not([type=checkbox]),select,textarea{width:100%;font:inherit;padding:.55rem .65rem;border:1px solid #aeb6c0;border-radius:6px;background:#fff;color:var(--ink)}
        input[aria-invalid=true],textarea[aria-invalid=true]{border-color:var(--over)}
        fieldset{border:0;padding:0;margin:0}
        fieldset[disabled]{opacity:.75}
        .hint{color:var(--muted);font-size:.85rem;margin:.25rem 0 0}
        .field-error{color:var(--over);font-size:.9rem;margin:.3rem 0 0;font-weight:600}
        button,.button{display:inline-block;font:inherit;font-weight:600;padding:.55rem 1rem;border-radius:6px;border:1px solid var(--brand);background:var(--brand);color:var(--brand-ink);cursor:pointer;text-decoration:none}
        button.secondary,.button.secondary{background:#fff;color:var(--brand)}
        button.danger,.button.danger{background:var(--over);border-color:var(--over);color:#fff}
        button.link{background:none;border:0;color:var(--brand);padding:0;text-decoration:underline;font-weight:400}
        .actions{display:flex;gap:1rem;align-items:center}
        .aside{margin-top:1.5rem}
        .notice{background:#e8f0fe;border:1px solid #b8cdf8;padding:.6rem .9rem;border-radius:6px}
        .problem{background:#fdecea;border:1px solid #f3b8b1;color:#7d1f14;padding:.6rem .9rem;border-radius:6px}
        .warning{background:#fff4e0;border:1px solid #f3cf8a;padding:.6rem .9rem;border-radius:6px;margin-top:0}
        .empty{background:var(--card);border:1px dashed #b9c1cb;border-radius:var(--radius);padding:1.25rem;color:var(--ink)}
        .muted{color:var(--muted)}.small{font-size:.85rem}
        .meta{color:var(--muted);margin:.25rem 0}
        .crumbs{margin:0;color:var(--muted)}
        code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
        .chip{display:inline-block;background:#eef1f5;border-radius:999px;padding:.05rem .5rem;font-size:.8rem;margin:.1rem 0}
        .status{display:inline-block;font-size:.8rem;font-weight:600;border-radius:999px;padding:.1rem .55rem;vertical-align:middle}
        .status.active{background:#e3f4ea;color:var(--ok)}.status.revoked,.status.expired{background:#fdecea;color:var(--over)}.status.inactive{background:#eef1f5;color:var(--muted)}
        .table-wrap{overflow-x:auto}
        table{width:100%;border-collapse:collapse;background:var(--card);border:1px solid var(--line);border-radius:var(--radius);font-size:.92rem}
        th,td{text-align:left;padding:.5rem .65rem;border-bottom:1px solid var(--line);vertical-align:top}
        th{font-size:.8rem;color:var(--muted);font-weight:600;text-transform:uppercase;letter-spacing:.02em}
        table.keys td:first-child{white-space:nowrap}
        .bar{display:block;width:100%;max-width:14rem;height:.5rem;margin:.2rem 0}
        .bar .track{fill:#e6e9ee}.bar .fill.ok{fill:var(--ok)}.bar .fill.warn{fill:var(--warn)}.bar .fill.over{fill:var(--over)}
        .card .bar{max-width:none;height:.75rem}
        .cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(13rem,1fr));gap:1rem}
        .stat p{margin:.2rem 0}.big{font-size:1.6rem;font-weight:700}.unit{font-size:.9rem;color:var(--muted);font-weight:400}
        .grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(12rem,1fr));gap:0 1rem}
        .two{display:grid;grid-template-columns:repeat(auto-fit,minmax(20rem,1fr));gap:0 1.5rem}
        .chart-svg{width:100%;height:10rem;display:block}
        .chart .calls{fill:#8fb0ee}.chart .cost{fill:none;stroke:var(--warn);stroke-width:2;vector-effect:non-scaling-stroke}.chart .axis{stroke:#b9c1cb;vector-effect:non-scaling-stroke}
        .legend{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;vertical-align:middle;margin-left:.75rem}.legend.calls{background:#8fb0ee}.legend.cost{background:var(--warn)}
        figure{margin:0 0 .5rem}figcaption{color:var(--muted);font-size:.85rem;margin-top:.4rem}
        .table-fallback summary{cursor:pointer;color:var(--brand)}
        .code{font-weight:700;font-family:ui-monospace,monospace}.code.s2{color:var(--ok)}.code.s4{color:var(--warn)}.code.s5{color:var(--over)}
        .facts{display:grid;grid-template-columns:repeat(auto-fit,minmax(12rem,1fr));gap:.5rem 1rem;margin:0 0 1rem}.facts dt{font-size:.8rem;color:var(--muted);font-weight:600}.facts dd{margin:0}
        table.plans form.inline{margin:0;flex-wrap:wrap}table.plans td:last-child{white-space:normal;min-width:9rem}table.plans th[scope=row]{white-space:nowrap;text-transform:none;font-size:.95rem;color:var(--ink)}table.plans td{white-space:nowrap}
        .copy-row{display:flex;gap:.5rem}
        form.inline{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin-bottom:1rem}form.inline label{margin:0}form.inline select{width:auto}
        @media (max-width:640px){
          .top{padding:.6rem .9rem}.signout{margin-left:0}.who{display:none}
          main{padding:.9rem}
          table.keys thead{display:none}table.keys,table.keys tbody,table.keys tr,table.keys td{display:block;width:100%}
          table.keys tr{border-bottom:1px solid var(--line);padding:.5rem 0}table.keys td{border:0;padding:.2rem .65rem}
          table.keys td::before{content:attr(data-label);display:block;font-size:.75rem;color:var(--muted);text-transform:uppercase}
        }
        """
}
