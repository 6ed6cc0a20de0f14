SELECT co_quan, FROM ho_so_tthc
