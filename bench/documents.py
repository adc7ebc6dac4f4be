"""Notice PDF throughput: ``.venv/bin/python -m bench.documents [--n 50] [--batch 10]``.

Renders ``n`` dibao public notices (different names and amounts, so nothing is
cached between them), the same ``n`` notices as village batches of ``--batch``
households in one document (``render_notices_pdf``, how a notice round of many
households is printed) and, in the same run, ``n`` trivial one-line ASCII pages
through the same offline WeasyPrint path as the baseline. Prints JSON and a
table: pages per second for both and the ratio notice/baseline, and the
``BENCH-JSON`` line every module prints. Nothing touches the database. Numbers depend on the machine; compare the ratio across runs.
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import os
import statistics
import time
from decimal import Decimal


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.local")
    import django

    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    from django.utils import translation

    translation.activate("zh-hans")


def _pages(pdf: bytes) -> int:
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return len(doc.pages)


def _timed(fn, n):
    """Wall time and this process's CPU time: pages per CPU-second is the per-core rate,
    readable even when other work shares the machine (the wall figure is not)."""
    durations, cpu, pages = [], 0.0, 0
    for i in range(n):
        start, start_cpu = time.perf_counter(), time.process_time()
        pdf = fn(i)
        cpu += time.process_time() - start_cpu
        durations.append(time.perf_counter() - start)
        pages += _pages(pdf)  # counted outside the timed section
    total = sum(durations)
    return {
        "documents": n,
        "pages": pages,
        "seconds": round(total, 3),
        "pages_per_second": round(pages / total, 2),
        "cpu_seconds": round(cpu, 3),
        "pages_per_cpu_second": round(pages / cpu, 2) if cpu else None,
        "median_ms": round(statistics.median(durations) * 1000, 1),
        "max_ms": round(max(durations) * 1000, 1),
        "bytes_last": len(pdf),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--batch", type=int, default=10, help="households per village document")
    args = parser.parse_args(argv)
    _setup()

    from workflows.dibao.documents import PublicNoticeData, render_notice_pdf, render_notices_pdf
    from workflows.documents.pdf import render_html_to_pdf

    surnames, given = "王李张刘陈杨黄赵吴周", "伟芳娜秀英敏静丽强磊军洋"
    posted = datetime.date(2026, 3, 2)

    def data(i):
        return PublicNoticeData(
            case_number=f"DB-990101001-2026-{i:06d}",
            applicant_name=surnames[i % 10] + given[i % 12] + given[(i * 7) % 12],
            household_size=1 + i % 6,
            village_name="青山村",
            township_name="青山镇",
            proposed_monthly_amount=Decimal(200 + 13 * i).quantize(Decimal("0.01")),
            notice_round=1,
            posted_on=posted,
            ends_on=posted + datetime.timedelta(days=6),
            objection_contact="青山镇民政办 0571-8888 6666",
        )

    def notice(i):
        return render_notice_pdf(data(i))

    def village(i):
        return render_notices_pdf([data(i * args.batch + k) for k in range(args.batch)])

    def trivial(i):
        return render_html_to_pdf(f"<html><body><p>hello {i}</p></body></html>")

    # Warm-up (font discovery, template compilation) is excluded from both series.
    notice(0)
    village(0)
    trivial(0)
    baseline = _timed(trivial, args.n)
    notices = _timed(notice, args.n)
    batches = _timed(village, max(1, args.n // args.batch))
    result = {
        "benchmark": "documents.notice_pdf",
        "n": args.n,
        "notice": notices,
        "village_batch": {**batches, "households_per_document": args.batch},
        "baseline_trivial_ascii_page": baseline,
        "ratio_notice_to_baseline_pages_per_second": round(
            notices["pages_per_second"] / baseline["pages_per_second"], 3
        ),
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    print()
    print(f"{'series':<28}{'pages':>7}{'seconds':>10}{'pages/s':>10}{'per CPU-s':>10}{'median ms':>11}{'max ms':>9}")
    series = (
        ("notice (CJK, A4, table)", notices),
        (f"village batch ({args.batch}/document)", batches),
        ("baseline (one ASCII line)", baseline),
    )
    for name, row in series:
        print(
            f"{name:<28}{row['pages']:>7}{row['seconds']:>10.3f}{row['pages_per_second']:>10.2f}"
            f"{row['pages_per_cpu_second']:>10.2f}"
            f"{row['median_ms']:>11.1f}{row['max_ms']:>9.1f}"
        )
    print(f"ratio notice/baseline (pages per second): {result['ratio_notice_to_baseline_pages_per_second']}")
    from bench.common import Result, report

    report(
        "documents",
        [
            Result(
                "notice PDF pages/s",
                notices["pages_per_second"],
                "pages/s",
                "one-line ASCII page, same renderer",
                baseline["pages_per_second"],
                notes={
                    "n": args.n,
                    "notice_median_ms": notices["median_ms"],
                    "bytes": notices["bytes_last"],
                    "pages_per_cpu_second": notices["pages_per_cpu_second"],
                    "baseline_pages_per_cpu_second": baseline["pages_per_cpu_second"],
                },
            ),
            Result(
                f"notice PDF pages/s, {args.batch} per village document",
                batches["pages_per_second"],
                "pages/s",
                "one-line ASCII page, same renderer",
                baseline["pages_per_second"],
                notes={
                    "documents": batches["documents"],
                    "pages": batches["pages"],
                    "pages_per_cpu_second": batches["pages_per_cpu_second"],
                },
            ),
        ],
        meta={"cpus": os.cpu_count(), "fonts": _fonts()},
    )
    return result


def _fonts() -> str:
    """Which face setup ran: the bundled cut-down face, or the full one (file missing)."""
    from workflows.documents.pdf import COMMON_FONT

    return "cut-down common face + full fallback" if COMMON_FONT.exists() else "full Noto Sans CJK SC"


if __name__ == "__main__":
    main()
