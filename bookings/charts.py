"""The admin's Sales page charts, drawn on the server as SVG (pygal) from the sales reports' rows: the page needs
no JavaScript."""
from xml.etree import ElementTree

import pygal
from django.utils import timezone
from pygal.style import DefaultStyle

CHART = {"height": 320, "show_legend": False, "js": [], "disable_xml_declaration": True, "style": DefaultStyle,
         "x_label_rotation": 30, "truncate_label": 40, "margin_bottom": 20}


def revenue_per_day(day_rows, currency):
    """A bar per day of sale: that day's revenue."""
    chart = pygal.Bar(title=f"Revenue per day ({currency})", value_formatter=lambda amount: f"{amount:,.2f}", **CHART)
    chart.x_labels = [row["date"].isoformat() for row in day_rows]
    chart.add("Revenue", [float(row["revenue"]) for row in day_rows])
    return _inline_svg(chart)


def occupancy_per_show(show_rows):
    """A bar per show: the share of its seats sold, in per cent."""
    chart = pygal.Bar(title="Occupancy per show (%)", range=(0, 100), value_formatter=lambda share: f"{share:.1f} %",
                      **CHART)
    chart.x_labels = [show_label(row["show"]) for row in show_rows]
    chart.add("Occupancy", [float(row["occupancy"] * 100) for row in show_rows])
    return _inline_svg(chart)


def show_label(show):
    return f"{timezone.localtime(show.starts_at):%d %b %H:%M} {show.movie.title}"


def _inline_svg(chart):
    """The chart's <svg> element as markup to put in a page: pygal's own script (its tooltips' configuration) left
    out, so the page runs no JavaScript. Labels are escaped by the XML serializer."""
    tree = chart.render_tree()
    for parent in tree.iter():
        for script in parent.findall("script"):
            parent.remove(script)
    return ElementTree.tostring(tree, encoding="unicode")
