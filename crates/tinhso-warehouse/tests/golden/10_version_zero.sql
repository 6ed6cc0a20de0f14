SELECT COUNT(*) AS n FROM "ho-so-tthc@0"
