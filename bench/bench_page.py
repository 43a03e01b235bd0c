"""The page in Chromium: bytes transferred for the first page, a concern page and the SPARQL page, how
long an answer takes to render once the API's reply has arrived, and how long the SPARQL editor takes
from Ctrl+Enter to a paged table of 1,000 rows.

Usage: python bench/bench_page.py [--url http://127.0.0.1:8000] [--chromium /usr/bin/chromium] [--rounds 4] [--json]
(a `kg serve` must be running at the URL).
"""

import argparse
import json
import statistics
from typing import Any
from urllib.parse import quote

from playwright.sync_api import Page, Response, sync_playwright

QUESTIONS = [
    "someone is copying my model through the API",
    "labels are too expensive to get",
    "the data changed after deployment",
    "who is accountable when the model is wrong",
    "training uses too much energy",
]


def transferred(page: Page, url: str) -> int:
    """Bytes of every response body (as sent, compressed) while `url` loads and settles."""
    seen: list[Response] = []

    def record(response: Response) -> None:
        seen.append(response)

    page.on("response", record)
    page.goto(url, wait_until="networkidle")
    page.remove_listener("response", record)
    return sum(r.request.sizes()["responseBodySize"] for r in seen)


THOUSAND = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 1000"
SET_QUERY = "q => document.querySelector('#yasgui .CodeMirror').CodeMirror.setValue(q)"


def thousand_rows_ms(page: Page, url: str, rounds: int) -> list[float]:
    """Ctrl+Enter to the table's "of 1,000 entries", each round on a fresh SPARQL page."""
    took = []
    for _ in range(rounds):
        page.goto(f"{url}/#/sparql")
        page.wait_for_selector("#yasgui .CodeMirror")
        page.evaluate(SET_QUERY, THOUSAND)
        page.click("#yasgui .CodeMirror")
        began = page.evaluate("performance.now()")
        page.keyboard.press("Control+Enter")
        page.locator("#yasgui .dt-info", has_text="of 1,000 entries").wait_for()
        took.append(page.evaluate("performance.now()") - began)
    return took


def run(url: str, chromium: str, rounds: int = 4) -> dict[str, Any]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
        page = browser.new_context().new_page()
        first = transferred(page, f"{url}/")
        concern = transferred(
            page.context.new_page(), f"{url}/#/node/{quote('https://w3id.org/mlkg/id/concern/model-stealing', safe='')}"
        )
        sparql = transferred(page.context.new_page(), f"{url}/#/sparql")
        rows = thousand_rows_ms(page.context.new_page(), url, rounds)
        renders = []
        for _ in range(rounds):
            for question in QUESTIONS:
                page.goto(f"{url}/#/?q={quote(question)}")
                page.wait_for_selector("#results[data-render-ms]")
                renders.append(float(page.get_attribute("#results", "data-render-ms") or 0))
                page.evaluate("delete document.getElementById('results').dataset.renderMs")
        browser.close()
    return {
        "first_page_bytes": first,
        "concern_page_bytes": concern,
        "sparql_page_bytes": sparql,
        "sparql_1000_rows_ms_p50": round(statistics.median(rows), 1),
        "render_ms_p50": round(statistics.median(renders), 1),
        "render_ms_max": round(max(renders), 1),
        "answers": len(renders),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--rounds", type=int, default=4, help="How many times each question is asked.")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.url, args.chromium, args.rounds)
    print(json.dumps(result) if args.json else "\n".join(f"{k}: {v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
