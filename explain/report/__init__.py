"""One self-contained HTML report of one digit's explanations (`build_report`), for the app's "Download
report" buttons and `python -m explain report`."""

from explain.report.builder import ReportRequest, build_report, reproduce_command

__all__ = ["ReportRequest", "build_report", "reproduce_command"]
