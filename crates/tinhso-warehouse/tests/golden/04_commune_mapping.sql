SELECT xa, xa__goc, COUNT(*) AS n FROM ho_so_tthc GROUP BY xa, xa__goc ORDER BY xa, xa__goc
