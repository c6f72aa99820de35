# Day before month with the month's name: Django's "m/d/Y" read as the wrong day to anyone
# outside the US, and "a.m." spelled the time as a newspaper does.
DATE_FORMAT = "j M Y"  # 2 Dec 2026
TIME_FORMAT = "H:i"  # 07:03
DATETIME_FORMAT = "j M Y, H:i"  # 2 Dec 2026, 07:03
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
MONTH_DAY_FORMAT = "j M"  # 2 Dec
YEAR_MONTH_FORMAT = "F Y"  # December 2026
LONG_DATE_FORMAT = "l j F Y"  # Wednesday 2 December 2026
