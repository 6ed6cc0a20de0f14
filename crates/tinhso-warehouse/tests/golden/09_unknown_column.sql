SELECT ten_truong FROM ho_so_tthc
