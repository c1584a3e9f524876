"""The embeddable widget: its script, compact JSON, an iframe page, TimelineJS3 JSON, a home page.

Everything here only shapes what `projections.queries.timeline_page` answers. The JSON routes
are open to every origin (the widget runs on other sites); the HTML pages carry a strict CSP.
Dates are formatted the same way as in `static/widget.js` (the browser tests compare the two).

- `texts`: type labels and words in both languages; `dates`: dates as the widget shows them;
- `entries`: the widget's JSON; `timelinejs`: Knight Lab TimelineJS3's JSON;
- `views`: the query every widget route takes, and the pages it reads;
- `responses`: answers with validators (JSON for any origin, HTML under a CSP, static files);
- `routes`: the script, static files and JSON routes; `pages`: the embed page and the home page.
"""

from __future__ import annotations
