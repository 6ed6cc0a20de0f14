SELECT ma_ho_so, co_quan FROM ho_so_tthc WHERE ngay_tra IS NULL
