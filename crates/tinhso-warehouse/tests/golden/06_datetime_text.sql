SELECT ma_ho_so, ngay_nhan FROM ho_so_tthc ORDER BY ngay_nhan LIMIT 2
