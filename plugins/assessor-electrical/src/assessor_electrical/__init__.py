"""Electrical equipment (电气设备): customer-relationship teams after an equity transfer."""
