-- On time: returned no later than the due date (Vietnam time).
SELECT ma_ho_so,
       CAST(ngay_tra AS DATE) <= han_xu_ly AS dung_han
FROM "ho-so-tthc"
WHERE ngay_tra IS NOT NULL
ORDER BY ma_ho_so
