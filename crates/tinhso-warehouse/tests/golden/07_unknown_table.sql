SELECT * FROM truong_hoc
