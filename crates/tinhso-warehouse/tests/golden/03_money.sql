SELECT SUM(le_phi) AS tong_le_phi, MAX(le_phi) AS cao_nhat, COUNT(le_phi) AS co_le_phi FROM ho_so_tthc
