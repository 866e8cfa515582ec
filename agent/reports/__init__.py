"""Reports: the clinic's KPIs over time (introductions and booked consults, not send volume)."""
from agent.reports.kpis import Dashboard, Kpi, KpiPoint, PolicyBlocks, dashboard

__all__ = ["Dashboard", "Kpi", "KpiPoint", "PolicyBlocks", "dashboard"]
