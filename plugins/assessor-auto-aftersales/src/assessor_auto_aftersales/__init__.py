"""Auto after-sales (汽车售后) assessment: service visits, follow-ups and customer churn."""
