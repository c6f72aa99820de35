DATE_FORMAT = "Y年n月j日"  # 2026年12月2日
TIME_FORMAT = "H:i"  # 07:03
DATETIME_FORMAT = "Y年n月j日 H:i"  # 2026年12月2日 07:03
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
# Django's "m月j日" pads the month ("09月5日") where the full date does not.
MONTH_DAY_FORMAT = "n月j日"  # 12月2日
YEAR_MONTH_FORMAT = "Y年n月"  # 2026年12月
LONG_DATE_FORMAT = "Y年n月j日 l"  # 2026年12月2日 星期三
