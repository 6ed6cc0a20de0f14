INSERT INTO ho_so_tthc (ma_ho_so) VALUES ('X')
