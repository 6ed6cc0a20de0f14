SELECT co_quan, COUNT(*) AS so_ho_so, SUM(CASE WHEN truc_tuyen THEN 1 ELSE 0 END) AS truc_tuyen
FROM ho_so_tthc GROUP BY co_quan ORDER BY co_quan
