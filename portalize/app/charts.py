"""Charts for the progress dashboard, drawn on the server as inline SVG (no script, nothing to
fetch): a burn-down of units against the deadline and stacked bars of states per group. Pure."""
from __future__ import annotations

import datetime as dt
from html import escape

STATE_COLOURS = {"unregistered": "#b0b7c3", "registered": "#8c959f", "linked": "#54aeff", "crawled": "#bf8700",
                 "loaded": "#2da44e", "verified": "#1a7f37", "cut-over": "#0550ae", "archived": "#8250df",
                 "done": "#1a7f37"}


def burn_down(done_dates: list[dt.date], total: int, start: dt.date, deadline: dt.date, today: dt.date,
              labels: dict) -> str:
    """Units not yet done, from `start` to after today, against the deadline: the remaining count
    drops on each unit's done date; the ideal line falls to zero at the deadline."""
    end = max(deadline, today) + dt.timedelta(days=60)
    width, height, left, top, bottom = 720, 260, 48, 16, 36
    span = max(1, (end - start).days)

    def x(day: dt.date) -> float:
        return left + (width - left - 12) * (day - start).days / span

    def y(count: float) -> float:
        return top + (height - top - bottom) * (1 - count / max(1, total))

    remaining, points = total, [(x(start), y(total))]
    for day in sorted(d for d in done_dates if d <= today):
        points += [(x(day), y(remaining)), (x(day), y(remaining - 1))]
        remaining -= 1
    points.append((x(today), y(remaining)))
    path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
    ticks = []
    for year in range(start.year, end.year + 1):
        day = dt.date(year, 1, 1)
        if start <= day <= end:
            ticks.append(f'<line x1="{x(day):.1f}" y1="{top}" x2="{x(day):.1f}" y2="{height - bottom}" stroke="#eaeef2"/>'
                         f'<text x="{x(day):.1f}" y="{height - bottom + 14}" font-size="11" text-anchor="middle">{year}</text>')
    for count in sorted({0, total // 2, total}):
        ticks.append(f'<text x="{left - 6}" y="{y(count) + 4:.1f}" font-size="11" text-anchor="end">{count}</text>')
    return (f'<svg class="chart burn-down" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(labels["burn"])}"'
            f' xmlns="http://www.w3.org/2000/svg">'
            f'<rect x="{left}" y="{top}" width="{width - left - 12}" height="{height - top - bottom}" fill="#fff" stroke="#d0d7de"/>'
            + "".join(ticks)
            + f'<line class="ideal" x1="{x(start):.1f}" y1="{y(total):.1f}" x2="{x(deadline):.1f}" y2="{y(0):.1f}" '
              f'stroke="#8c959f" stroke-dasharray="5 4"/>'
            f'<line class="deadline" x1="{x(deadline):.1f}" y1="{top}" x2="{x(deadline):.1f}" y2="{height - bottom}" '
            f'stroke="#cf222e" stroke-width="2"/><text x="{x(deadline) + 4:.1f}" y="{top + 12}" font-size="11" '
            f'fill="#cf222e">{escape(labels["deadline"])} {deadline:%d/%m/%Y}</text>'
            f'<line class="today" x1="{x(today):.1f}" y1="{top}" x2="{x(today):.1f}" y2="{height - bottom}" stroke="#0969da"/>'
            f'<text x="{x(today) - 4:.1f}" y="{height - bottom - 6}" font-size="11" fill="#0969da" text-anchor="end">'
            f'{escape(labels["today"])} {today:%d/%m/%Y}: {remaining}</text>'
            f'<polyline class="remaining" points="{path}" fill="none" stroke="#1f2328" stroke-width="2"/></svg>')


def stacked_bars(groups: list[tuple[str, dict[str, int]]], states: tuple[str, ...], names: dict, title: str) -> str:
    """One bar per group, split by state (counts); the page shows the legend once."""
    row, left, width = 22, 230, 720
    height = 16 + row * len(groups)
    biggest = max([sum(c.values()) for _, c in groups] or [1])
    bars = []
    for i, (label, counts) in enumerate(groups):
        top, x = 8 + i * row, left
        shown = label if len(label) <= 32 else label[:31] + "…"
        bars.append(f'<text x="{left - 6}" y="{top + 14}" font-size="12" text-anchor="end"><title>{escape(label)}</title>'
                    f'{escape(shown)}</text>')
        for state in states:
            n = counts.get(state, 0)
            if not n:
                continue
            w = (width - left - 40) * n / biggest
            bars.append(f'<rect class="bar" data-state="{state}" x="{x:.1f}" y="{top}" width="{w:.1f}" height="{row - 6}" '
                        f'fill="{STATE_COLOURS[state]}"><title>{escape(label)}: {n} {escape(names.get(state, state))}</title></rect>')
            x += w
        bars.append(f'<text x="{x + 4:.1f}" y="{top + 13}" font-size="11">{sum(counts.values())}</text>')
    return (f'<svg class="chart bars" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
            f'xmlns="http://www.w3.org/2000/svg">' + "".join(bars) + "</svg>")
