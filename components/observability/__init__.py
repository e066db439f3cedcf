"""The observability stack: Prometheus, Alertmanager, Grafana, Loki, Tempo and Alloy.

Pure value builders live one per chart (`values_*.py`); `component.py` wires
them into one ComponentResource per cluster target.
"""
