"""Auto after-sales (汽车售后) assessment: visits and churn, service KPIs, sales customers."""
