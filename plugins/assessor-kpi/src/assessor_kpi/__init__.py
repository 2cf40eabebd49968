"""Generic KPI assessment (通用绩效指标): a balanced scorecard over the numbers a company keeps."""
